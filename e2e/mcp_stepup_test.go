package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Bob (read) calls a write tool: the server answers 403 insufficient_scope
// naming the scope, the SDK's handler authorizes again with it, alice signs
// in (prompt=login, since bob is still signed in) and the same call goes
// through: alice revokes one of her real grants.
func TestMCPStepUpAsAnotherUser(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	demo := s.demoConfig(t, "read", "write")
	aliceDemo := s.login(t, newBrowser(t, s.server), demo, "alice")
	grantID := onlyGrant(t, s, aliceDemo.AccessToken)

	c := s.connectOAuth(t, modernMCP, "bob", "alice")
	if who := structured[whoamiView](t, c.mustCall(t, "whoami", nil)); who.Subject != "bob" {
		t.Fatalf("whoami before step-up = %+v, want bob", who)
	}

	revoked := structured[struct {
		Revoked struct {
			ID       string `json:"id"`
			Subject  string `json:"subject"`
			ClientID string `json:"client_id"`
		} `json:"revoked"`
	}](t, c.mustCall(t, "grants_revoke", map[string]any{"grant_id": grantID}))
	if revoked.Revoked.ID != grantID || revoked.Revoked.Subject != "alice" || revoked.Revoked.ClientID != demoClientID {
		t.Errorf("revoked %+v, want alice's grant %s to %s", revoked.Revoked, grantID, demoClientID)
	}

	wantStepUpOnWire(t, c.Tap, "grants_revoke")
	rounds := c.Agent.Rounds()
	if len(rounds) != 2 {
		t.Fatalf("%d authorizations, want 2 (initial, step-up)", len(rounds))
	}
	step := rounds[1].Query
	if scopes := strings.Fields(step.Get("scope")); !slices.Contains(scopes, "write") || !slices.Contains(scopes, "read") {
		t.Errorf("step-up asked for scope %q, want the challenged write on top of read", step.Get("scope"))
	}
	if step.Get("prompt") != "login" {
		t.Errorf("step-up authorization had prompt %q, want login to switch user", step.Get("prompt"))
	}

	who := structured[whoamiView](t, c.mustCall(t, "whoami", nil))
	if who.Subject != "alice" || !cmp.Equal(who.Scopes, []string{"read", "write"}) {
		t.Errorf("whoami after step-up = %+v, want alice with read write", who)
	}
	wantOAuthError(t, s.refresh(t, aliceDemo.RefreshToken, "", publicAuth(demoClientID)), http.StatusBadRequest, "invalid_grant")
}

// On the legacy wire the same user steps up: the session stays the one
// initialize opened, and the call is admitted after the new authorization.
func TestMCPStepUpKeepsLegacySession(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	c := s.connectOAuth(t, legacyMCP, "alice", "alice")

	res, err := c.call(t, "grants_revoke", map[string]any{"grant_id": "no-such-grant"})
	if err != nil {
		t.Fatalf("grants_revoke after step-up: %v\nwire:\n%s", err, c.Tap)
	}
	if !res.IsError || !strings.Contains(sdkText(res), "not found") {
		t.Errorf("grants_revoke of an unknown grant = %q (isError %v), want a tool error saying not found", sdkText(res), res.IsError)
	}
	wantStepUpOnWire(t, c.Tap, "grants_revoke")
	rounds := c.Agent.Rounds()
	if len(rounds) != 2 || rounds[1].Query.Get("prompt") != "" {
		t.Errorf("authorizations %+v, want two by alice, the second without prompt", rounds)
	}

	var ids []string
	for _, e := range c.Tap.entries(func(e wireEntry) bool { return e.Path == "/mcp" && e.RPC != "initialize" }) {
		if id := e.ReqHdr.Get("Mcp-Session-Id"); !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 || ids[0] == "" {
		t.Errorf("session ids used %q, want the one session throughout\nwire:\n%s", ids, c.Tap)
	}
}

// wantStepUpOnWire finds the refused call to tool (403, insufficient_scope,
// the missing scope in the challenge) followed by the same call admitted.
func wantStepUpOnWire(t *testing.T, tap *wireTap, tool string) {
	t.Helper()
	calls := tap.entries(func(e wireEntry) bool { return e.RPC == "tools/call" && e.Tool == tool })
	if len(calls) != 2 {
		t.Fatalf("%d tools/call %s requests, want the refused one and its retry\nwire:\n%s", len(calls), tool, tap)
	}
	refused, retried := calls[0], calls[1]
	if refused.Status != http.StatusForbidden {
		t.Fatalf("first %s: status %d, want 403\nwire:\n%s", tool, refused.Status, tap)
	}
	ch, ok := bearerChallenge(t, refused.Header)
	if !ok || ch["error"] != "insufficient_scope" || !slices.Contains(strings.Fields(ch["scope"]), "write") || ch["resource_metadata"] == "" {
		t.Errorf("403 challenge %q: want error=insufficient_scope, scope with write, resource_metadata", refused.Header.Values("WWW-Authenticate"))
	}
	if retried.Status != http.StatusOK || retried.ReqHdr.Get("Authorization") == refused.ReqHdr.Get("Authorization") {
		t.Errorf("retry of %s: status %d, want 200 with a new token\nwire:\n%s", tool, retried.Status, tap)
	}
}

// onlyGrant returns the id of the one grant the token's user holds.
func onlyGrant(t *testing.T, s *mcpServer, bearer string) string {
	t.Helper()
	res := decodeTool(t, s.callTool(t, bearer, "grants_list", nil))
	grants := structured[struct {
		Grants []struct {
			ID string `json:"id"`
		} `json:"grants"`
	}](t, res.StructuredContent).Grants
	if len(grants) != 1 {
		t.Fatalf("grants_list = %s, want exactly one grant", res.StructuredContent)
	}
	return grants[0].ID
}
