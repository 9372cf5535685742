package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Every tool call lands in the audit trail with who, which tool, how it
// arrived and how it ended, and never with argument values.
func TestMCPAuditTrail(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	alice, bob, admin := s.tokenFor(t, "alice"), s.tokenFor(t, "bob"), s.tokenFor(t, "admin")
	const secret = "argument-value-that-must-not-be-kept"

	decodeTool(t, s.callTool(t, alice, "whoami", nil))
	if res := decodeTool(t, s.callTool(t, alice, "grants_revoke", map[string]any{"grant_id": secret})); !res.IsError {
		t.Fatalf("revoking an unknown grant succeeded: %s", res.text())
	}
	wantHTTPStatus(t, "bob's grants_revoke", s.callTool(t, bob, "grants_revoke", map[string]any{"grant_id": secret}), http.StatusForbidden)
	wantHTTPStatus(t, "alice's whoami over REST", s.execute(t, "/mcp/execute/whoami", alice), http.StatusOK)

	ex := s.callTool(t, admin, "admin_audit_recent", map[string]any{"limit": 10})
	res := decodeTool(t, ex)
	if res.IsError {
		t.Fatalf("admin_audit_recent: %s", res.text())
	}
	if strings.Contains(ex.Body, secret) {
		t.Errorf("the audit trail keeps an argument value:\n%s", res.StructuredContent)
	}
	type entry struct {
		Subject   string         `json:"subject"`
		ClientID  string         `json:"client_id"`
		Tool      string         `json:"tool"`
		Transport string         `json:"transport"`
		Outcome   string         `json:"outcome"`
		Reason    string         `json:"reason"`
		At        string         `json:"at"`
		Arguments map[string]any `json:"arguments"`
	}
	got := structured[struct {
		Invocations []entry `json:"invocations"`
	}](t, res.StructuredContent).Invocations

	type key struct{ Subject, Tool, Transport, Outcome string }
	var keys []key
	for _, e := range got {
		keys = append(keys, key{e.Subject, e.Tool, e.Transport, e.Outcome})
		if e.At == "" || e.ClientID != "gatehouse-cli" {
			t.Errorf("entry %+v: want a time and the token's client", e)
		}
		for name, v := range e.Arguments {
			if v != "[redacted]" {
				t.Errorf("entry %+v keeps argument %s = %v", e, name, v)
			}
		}
		if e.Outcome == "denied" && !strings.Contains(e.Reason, "insufficient_scope") {
			t.Errorf("denied entry %+v: want the reason insufficient_scope", e)
		}
	}
	want := []key{ // newest first
		{"alice", "whoami", "rest", "ok"},
		{"bob", "grants_revoke", "http", "denied"},
		{"alice", "grants_revoke", "http", "error"},
		{"alice", "whoami", "http", "ok"},
	}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("audit trail (-want +got):\n%s", diff)
	}
	if out := s.Output(); strings.Contains(out, secret) || strings.Contains(out, alice) {
		t.Error("the server log holds an argument value or an access token")
	}
}
