package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A token is accepted only when it was issued for this server's MCP
// endpoint (RFC 8707 audience), whatever the case of scheme and host.
func TestMCPAudience(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	tests := []struct {
		name string
		aud  string // "" mints for this server
		want int
	}{
		{"this server", "", http.StatusOK},
		{"this server, scheme in capitals", strings.Replace(s.Resource, "http://", "HTTP://", 1), http.StatusOK},
		{"another resource", "https://other.example/mcp", http.StatusUnauthorized},
		{"another path on this server", s.URL + "/other", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var flags []string
			if tt.aud != "" {
				flags = []string{"--aud", tt.aud}
			}
			tok := s.mint(t, "alice", "read", flags...)
			ex := s.rpc(t, rpcCall{Method: "tools/list", Bearer: tok})
			if ex.Status != tt.want {
				t.Fatalf("status %d, want %d\n%s", ex.Status, tt.want, ex)
			}
			if tt.want != http.StatusUnauthorized {
				return
			}
			if ch, _ := bearerChallenge(t, ex.Header); ch["error"] != "invalid_token" || ch["resource_metadata"] == "" {
				t.Errorf("challenge %q: want error=invalid_token and resource_metadata", ex.Header.Values("WWW-Authenticate"))
			}
		})
	}
}

// Requests that carry no usable token, or come from a foreign origin, are
// refused before the MCP server sees them.
func TestMCPRefusesBeforeTheServer(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	tok := s.tokenFor(t, "alice")
	host := strings.TrimPrefix(s.URL, "http://")
	_, port, _ := strings.Cut(host, ":")
	tests := []struct {
		name      string
		call      rpcCall
		want      int
		wantError string // error code in the Bearer challenge; "" for none
	}{
		{"no token", rpcCall{}, http.StatusUnauthorized, ""},
		{"token only in the query string", rpcCall{Query: "access_token=" + url.QueryEscape(tok)}, http.StatusBadRequest, ""},
		{"token in header and query string", rpcCall{Bearer: tok, Query: "access_token=" + url.QueryEscape(tok)}, http.StatusBadRequest, ""},
		{"not a JWT", rpcCall{Bearer: "not-a-token"}, http.StatusUnauthorized, "invalid_token"},
		{"foreign Origin", rpcCall{Bearer: tok, Header: map[string]string{"Origin": "https://evil.example"}}, http.StatusForbidden, ""},
		{"foreign Host (DNS rebinding)", rpcCall{Bearer: tok, Header: map[string]string{"Host": "evil.example:" + port}}, http.StatusForbidden, ""},
		{"own Origin", rpcCall{Bearer: tok, Header: map[string]string{"Origin": s.URL}}, http.StatusOK, ""},
		{"localhost for 127.0.0.1", rpcCall{Bearer: tok, Header: map[string]string{"Origin": "http://localhost:" + port}}, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.call.Method = "tools/list"
			ex := s.rpc(t, tt.call)
			if ex.Status != tt.want {
				t.Fatalf("status %d, want %d\n%s", ex.Status, tt.want, ex)
			}
			if tt.want != http.StatusUnauthorized {
				return
			}
			ch, ok := bearerChallenge(t, ex.Header)
			if !ok || ch["resource_metadata"] != s.URL+"/.well-known/oauth-protected-resource/mcp" || ch["error"] != tt.wantError {
				t.Errorf("challenge %q: want resource_metadata and error %q", ex.Header.Values("WWW-Authenticate"), tt.wantError)
			}
		})
	}
}

// tools/list shows each user only what the user's scopes allow, marked
// cacheable privately, and a call outside them is refused by the body's
// tool name, whatever the Mcp-Name header claims.
func TestMCPToolsListByScope(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	tests := []struct {
		user string
		want []string
	}{
		{"bob", readTools},
		{"alice", writeTools},
		{"admin", allTools},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			ex := s.rpc(t, rpcCall{Method: "tools/list", Bearer: s.tokenFor(t, tt.user)})
			r := rpcReplyOf(t, ex)
			if r.Error != nil {
				t.Fatalf("tools/list: JSON-RPC error %+v", r.Error)
			}
			list := structured[struct {
				CacheScope string          `json:"cacheScope"`
				Tools      json.RawMessage `json:"tools"`
			}](t, r.Result)
			names := toolNames(t, list.Tools)
			slices.Sort(names)
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("tools for %s (-want +got):\n%s", tt.user, diff)
			}
			if list.CacheScope != "private" {
				t.Errorf("cacheScope = %q, want private", list.CacheScope)
			}
		})
	}

	t.Run("Mcp-Name does not decide", func(t *testing.T) {
		ex := s.rpc(t, rpcCall{
			Method: "tools/call",
			Params: map[string]any{"name": "admin_clients_list", "arguments": map[string]any{}},
			Bearer: s.tokenFor(t, "bob"),
			Header: map[string]string{"Mcp-Name": "whoami"},
		})
		ch, _ := bearerChallenge(t, ex.Header)
		if ex.Status != http.StatusForbidden || ch["error"] != "insufficient_scope" || !strings.Contains(ch["scope"], "admin") {
			t.Errorf("want 403 insufficient_scope naming admin\n%s", ex)
		}
	})
}

// A legacy session belongs to the user who opened it: another user's
// token, even a valid one, cannot use its id.
func TestMCPLegacySessionBoundToUser(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	bob, alice := s.tokenFor(t, "bob"), s.tokenFor(t, "alice")

	init := s.legacyPost(t, bob, "", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`)
	session := init.Header.Get("Mcp-Session-Id")
	if init.Status != http.StatusOK || session == "" {
		t.Fatalf("initialize: want 200 with Mcp-Session-Id\n%s", init)
	}
	if ex := s.legacyPost(t, bob, session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`); ex.Status != http.StatusAccepted {
		t.Fatalf("notifications/initialized: want 202\n%s", ex)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	if ex := s.legacyPost(t, bob, session, list); ex.Status != http.StatusOK {
		t.Fatalf("bob in his session: want 200\n%s", ex)
	}
	if ex := s.legacyPost(t, alice, session, list); ex.Status != http.StatusForbidden && ex.Status != http.StatusNotFound {
		t.Errorf("alice in bob's session: want 403 or 404\n%s", ex)
	}
}

// legacyPost sends one JSON-RPC message on the 2025-11-25 wire.
func (s *mcpServer) legacyPost(t *testing.T, bearer, session, body string) exchange {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.Resource, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+bearer)
	if session != "" {
		req.Header.Set("Mcp-Session-Id", session)
		req.Header.Set("MCP-Protocol-Version", legacyMCP)
	}
	return do(t, req)
}
