package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The official Go SDK client, knowing nothing but the MCP URL, finds its way
// from a bare 401 to a token: protected resource metadata, authorization
// server metadata, dynamic registration, PKCE with the user's login and
// consent; then it lists and calls tools. Once per protocol era.
func TestMCPClientOAuthBothEras(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version string
	}{
		{"2026-07-28 stateless", modernMCP},
		{"2025-11-25 with sessions", legacyMCP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startMCPServer(t)
			c := s.connectOAuth(t, tt.version, "alice")

			wantDiscoveryFromBare401(t, s, c)
			rounds := c.Agent.Rounds()
			if len(rounds) != 1 {
				t.Fatalf("%d authorizations, want 1", len(rounds))
			}
			q := rounds[0].Query
			clientID := q.Get("client_id")
			for k, want := range map[string]string{
				"response_type":         "code",
				"code_challenge_method": "S256",
				"resource":              s.Resource,
				"scope":                 "read",
			} {
				if got := q.Get(k); got != want {
					t.Errorf("authorization request %s = %q, want %q", k, got, want)
				}
			}
			if q.Get("code_challenge") == "" || clientID == "" || clientID == demoClientID {
				t.Errorf("authorization request %v: want a PKCE challenge and a dynamically registered client", q)
			}

			if got := c.Session.InitializeResult().ProtocolVersion; got != tt.version {
				t.Errorf("negotiated protocol %q, want %q", got, tt.version)
			}
			list, err := c.Session.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatalf("ListTools: %v\nwire:\n%s", err, c.Tap)
			}
			var names []string
			for _, tl := range list.Tools {
				names = append(names, tl.Name)
			}
			slices.Sort(names)
			if diff := cmp.Diff(readTools, names); diff != "" {
				t.Errorf("tools for a read token (-want +got):\n%s", diff)
			}

			got := structured[whoamiView](t, c.mustCall(t, "whoami", nil))
			want := whoamiView{Subject: "alice", ClientID: clientID, Scopes: []string{"read"}, Transport: "http", ExpiresAt: got.ExpiresAt}
			if diff := cmp.Diff(want, got); diff != "" || got.ExpiresAt == "" {
				t.Errorf("whoami (-want +got):\n%s", diff)
			}

			if tt.version == modernMCP {
				if list.CacheScope != "private" {
					t.Errorf("tools/list cacheScope = %q, want private: the list depends on the token", list.CacheScope)
				}
				wantStatelessWire(t, c.Tap)
			} else {
				wantSessionWire(t, c.Tap)
				wantSessionEnds(t, c)
			}
		})
	}
}

// wantDiscoveryFromBare401 checks the steps the client's OAuth handler took
// before its first authorized request.
func wantDiscoveryFromBare401(t *testing.T, s *mcpServer, c *oauthClient) {
	t.Helper()
	all := c.Tap.entries(nil)
	if len(all) == 0 {
		t.Fatal("the client made no request")
	}
	first := all[0]
	if first.Path != "/mcp" || first.ReqHdr.Get("Authorization") != "" || first.Status != http.StatusUnauthorized {
		t.Fatalf("first request: want a tokenless POST /mcp answered 401\nwire:\n%s", c.Tap)
	}
	ch, ok := bearerChallenge(t, first.Header)
	if !ok || ch["resource_metadata"] != s.URL+"/.well-known/oauth-protected-resource/mcp" || ch["error"] != "" {
		t.Errorf("401 challenge %q: want resource_metadata and no error code", first.Header.Values("WWW-Authenticate"))
	}
	steps := []struct {
		method string
		paths  []string
		status int
	}{
		{http.MethodGet, []string{"/.well-known/oauth-protected-resource/mcp"}, http.StatusOK},
		{http.MethodGet, []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"}, http.StatusOK},
		{http.MethodPost, []string{"/auth/register"}, http.StatusCreated},
		{http.MethodPost, []string{"/auth/token"}, http.StatusOK},
	}
	i := 0
	for _, step := range steps {
		for i < len(all) && (all[i].Method != step.method || !slices.Contains(step.paths, all[i].Path) || all[i].Status != step.status) {
			i++
		}
		if i == len(all) {
			t.Errorf("no %s %v answered %d after the previous step\nwire:\n%s", step.method, step.paths, step.status, c.Tap)
			return
		}
	}
}

// wantStatelessWire: 2026-07-28 starts with server/discover, never
// initializes, and no session id appears in either direction.
func wantStatelessWire(t *testing.T, tap *wireTap) {
	t.Helper()
	if len(tap.rpcs("/mcp", "server/discover")) == 0 || len(tap.rpcs("/mcp", "initialize")) != 0 {
		t.Errorf("want server/discover and no initialize\nwire:\n%s", tap)
	}
	for _, e := range tap.entries(nil) {
		if e.ReqHdr.Get("Mcp-Session-Id") != "" || e.Header.Get("Mcp-Session-Id") != "" {
			t.Errorf("Mcp-Session-Id on the stateless wire\nwire:\n%s", tap)
			break
		}
	}
	calls := tap.rpcs("/mcp", "tools/call")
	if len(calls) == 0 {
		t.Fatalf("no tools/call on the wire\n%s", tap)
	}
	for _, e := range calls {
		if e.ReqHdr.Get("MCP-Protocol-Version") != modernMCP || e.ReqHdr.Get("Mcp-Method") != "tools/call" || e.ReqHdr.Get("Mcp-Name") != "whoami" || e.Status != http.StatusOK {
			t.Errorf("tools/call: want MCP-Protocol-Version %s, Mcp-Method and Mcp-Name headers, 200\nwire:\n%s", modernMCP, tap)
		}
	}
}

// wantSessionWire: 2025-11-25 initializes, the server names a session, and
// every later request carries it with the negotiated version.
func wantSessionWire(t *testing.T, tap *wireTap) {
	t.Helper()
	if len(tap.rpcs("/mcp", "server/discover")) != 0 {
		t.Errorf("server/discover on the legacy wire\nwire:\n%s", tap)
	}
	var session string
	for _, e := range tap.rpcs("/mcp", "initialize") {
		if e.Status == http.StatusOK {
			session = e.Header.Get("Mcp-Session-Id")
		}
	}
	if session == "" {
		t.Fatalf("initialize answered without Mcp-Session-Id\nwire:\n%s", tap)
	}
	calls := tap.rpcs("/mcp", "tools/call")
	if len(calls) == 0 {
		t.Fatalf("no tools/call on the wire\n%s", tap)
	}
	for _, e := range append(calls, tap.rpcs("/mcp", "tools/list")...) {
		if e.ReqHdr.Get("Mcp-Session-Id") != session || e.ReqHdr.Get("MCP-Protocol-Version") != legacyMCP || e.Status != http.StatusOK {
			t.Errorf("%s: want Mcp-Session-Id %s and MCP-Protocol-Version %s, 200\nwire:\n%s", e.RPC, session, legacyMCP, tap)
		}
	}
}

// wantSessionEnds: closing the client ends its legacy session with DELETE.
func wantSessionEnds(t *testing.T, c *oauthClient) {
	t.Helper()
	if err := c.Session.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	deletes := c.Tap.entries(func(e wireEntry) bool { return e.Method == http.MethodDelete && e.Path == "/mcp" })
	if len(deletes) != 1 || deletes[0].ReqHdr.Get("Mcp-Session-Id") == "" || deletes[0].Status >= 300 {
		t.Errorf("want one DELETE /mcp with the session id answered 2xx\nwire:\n%s", c.Tap)
	}
}
