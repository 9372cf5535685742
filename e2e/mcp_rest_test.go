package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// restDo sends a REST API request with an optional bearer token.
func (s *mcpServer) restDo(t *testing.T, method, path, bearer string) exchange {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(t, req)
}

// execute calls POST path with {"arguments": {}} as the bearer's owner.
func (s *mcpServer) execute(t *testing.T, path, bearer string) exchange {
	t.Helper()
	return s.postJSON(t, path, map[string]any{"arguments": map[string]any{}}, bearer)
}

// openSession creates a REST session and returns its id.
func (s *mcpServer) openSession(t *testing.T, bearer string) string {
	t.Helper()
	ex := s.postJSON(t, "/mcp/session/create", map[string]any{}, bearer)
	id := ""
	if ex.Status == http.StatusCreated || ex.Status == http.StatusOK {
		id = ex.Str(t, "session_id")
	}
	if id == "" {
		t.Fatalf("session create: want a session_id\n%s", ex)
	}
	return id
}

func wantHTTPStatus(t *testing.T, what string, ex exchange, want int) {
	t.Helper()
	if ex.Status != want {
		t.Errorf("%s: status %d, want %d\n%s", what, ex.Status, want, ex)
	}
}

// GET /mcp/tools lists only what the caller may call.
func TestRESTToolsByScope(t *testing.T) {
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
			ex := s.restDo(t, http.MethodGet, "/mcp/tools", s.tokenFor(t, tt.user))
			if ex.Status != http.StatusOK {
				t.Fatalf("want 200\n%s", ex)
			}
			body := structured[struct {
				Tools json.RawMessage `json:"tools"`
			}](t, json.RawMessage(ex.Body))
			names := toolNames(t, body.Tools)
			slices.Sort(names)
			if diff := cmp.Diff(tt.want, names); diff != "" {
				t.Errorf("tools for %s (-want +got):\n%s", tt.user, diff)
			}
			if cc := ex.Header.Get("Cache-Control"); !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control %q: a per-user list must not be shared", cc)
			}
		})
	}
	t.Run("no token", func(t *testing.T) {
		wantHTTPStatus(t, "GET /mcp/tools", s.restDo(t, http.MethodGet, "/mcp/tools", ""), http.StatusUnauthorized)
	})
}

// POST /mcp/execute/{tool} runs a tool under the same policy as MCP.
func TestRESTExecute(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	alice, bob := s.tokenFor(t, "alice"), s.tokenFor(t, "bob")

	t.Run("whoami", func(t *testing.T) {
		ex := s.execute(t, "/mcp/execute/whoami", alice)
		if ex.Status != http.StatusOK {
			t.Fatalf("want 200\n%s", ex)
		}
		res := structured[toolResult](t, json.RawMessage(ex.Body))
		who := structured[whoamiView](t, res.StructuredContent)
		if res.IsError || who.Subject != "alice" || who.Transport != "rest" {
			t.Errorf("whoami over REST = %+v (isError %v), want alice over rest", who, res.IsError)
		}
	})
	t.Run("no body", func(t *testing.T) {
		wantHTTPStatus(t, "POST without body", s.restDo(t, http.MethodPost, "/mcp/execute/whoami", alice), http.StatusOK)
	})
	t.Run("unknown tool", func(t *testing.T) {
		wantHTTPStatus(t, "unknown tool", s.execute(t, "/mcp/execute/no_such_tool", alice), http.StatusNotFound)
	})
	t.Run("insufficient scope", func(t *testing.T) {
		ex := s.execute(t, "/mcp/execute/grants_revoke", bob)
		ch, _ := bearerChallenge(t, ex.Header)
		if ex.Status != http.StatusForbidden || ch["error"] != "insufficient_scope" || !strings.Contains(ch["scope"], "write") {
			t.Errorf("want 403 insufficient_scope naming write\n%s", ex)
		}
	})
	t.Run("no token", func(t *testing.T) {
		wantHTTPStatus(t, "no token", s.execute(t, "/mcp/execute/whoami", ""), http.StatusUnauthorized)
	})
	t.Run("body not an object", func(t *testing.T) {
		wantHTTPStatus(t, "array body", s.postJSON(t, "/mcp/execute/whoami", []int{1}, alice), http.StatusBadRequest)
	})
}

// A session is bound to the user who made it: every call still needs the
// bearer token, and another user's token finds no such session.
func TestRESTSessionBoundToUser(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	alice, bob := s.tokenFor(t, "alice"), s.tokenFor(t, "bob")
	id := s.openSession(t, alice)
	path := "/mcp/session/" + id

	wantHTTPStatus(t, "alice in her session", s.execute(t, path+"/execute/whoami", alice), http.StatusOK)
	wantHTTPStatus(t, "bob in alice's session", s.execute(t, path+"/execute/whoami", bob), http.StatusNotFound)
	wantHTTPStatus(t, "the session id without a token", s.execute(t, path+"/execute/whoami", ""), http.StatusUnauthorized)
	wantHTTPStatus(t, "bob deleting alice's session", s.restDo(t, http.MethodDelete, path, bob), http.StatusNotFound)
	wantHTTPStatus(t, "alice after bob's attempts", s.execute(t, path+"/execute/whoami", alice), http.StatusOK)
	wantHTTPStatus(t, "alice deleting her session", s.restDo(t, http.MethodDelete, path, alice), http.StatusNoContent)
	wantHTTPStatus(t, "alice in the deleted session", s.execute(t, path+"/execute/whoami", alice), http.StatusNotFound)
	wantHTTPStatus(t, "deleting it again", s.restDo(t, http.MethodDelete, path, alice), http.StatusNotFound)
	wantHTTPStatus(t, "an id never issued", s.execute(t, "/mcp/session/not-a-session/execute/whoami", alice), http.StatusNotFound)
}

// Each user may hold at most the configured number of sessions.
func TestRESTSessionCap(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t, "GATEHOUSE_SESSIONS__MAX_PER_USER=2")
	alice, bob := s.tokenFor(t, "alice"), s.tokenFor(t, "bob")
	first := s.openSession(t, alice)
	s.openSession(t, alice)
	ex := s.postJSON(t, "/mcp/session/create", map[string]any{}, alice)
	wantHTTPStatus(t, "alice's third session", ex, http.StatusConflict)
	s.openSession(t, bob)
	wantHTTPStatus(t, "deleting one", s.restDo(t, http.MethodDelete, "/mcp/session/"+first, alice), http.StatusNoContent)
	s.openSession(t, alice)
}

// Sessions expire after their TTL; with sliding expiry each use extends it.
func TestRESTSessionTTL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sliding bool
	}{
		{"sliding", true},
		{"fixed", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startMCPServer(t, "GATEHOUSE_SESSIONS__TTL=2s", "GATEHOUSE_SESSIONS__SLIDING="+strconv.FormatBool(tt.sliding))
			alice := s.tokenFor(t, "alice")
			call := "/mcp/session/" + s.openSession(t, alice) + "/execute/whoami"
			if !tt.sliding {
				time.Sleep(time.Second)
				wantHTTPStatus(t, "within the TTL", s.execute(t, call, alice), http.StatusOK)
				time.Sleep(1500 * time.Millisecond)
				wantHTTPStatus(t, "past the TTL though used", s.execute(t, call, alice), http.StatusNotFound)
				return
			}
			for i := range 4 {
				time.Sleep(time.Second)
				wantHTTPStatus(t, fmt.Sprintf("use after %d s", i+1), s.execute(t, call, alice), http.StatusOK)
			}
			time.Sleep(3 * time.Second)
			wantHTTPStatus(t, "after 3 s idle", s.execute(t, call, alice), http.StatusNotFound)
		})
	}
}
