package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
	"gatehouse/domain"
)

const (
	modernVersion = "2026-07-28"
	legacyVersion = "2025-11-25"
)

// edge stands in for the HTTP edge: it maps the bearer token (a user name
// here) to a caller in the request context, as bearer authentication does.
func edge(t *testing.T, f *fixture, users map[string]domain.Principal) *httptest.Server {
	t.Helper()
	h := f.srv.HTTPHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		p, known := users[tok]
		if !ok || !known {
			http.Error(w, "unauthenticated", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r.WithContext(app.WithCaller(r.Context(), app.Caller{Principal: p, Transport: app.TransportHTTP})))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// bearer adds a token that tests may switch mid-session.
type bearer struct {
	mu    sync.Mutex
	token string
}

func (b *bearer) set(tok string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.token = tok
}

func (b *bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	b.mu.Lock()
	tok := b.token
	b.mu.Unlock()
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+tok)
	return http.DefaultTransport.RoundTrip(r)
}

func connectHTTP(t *testing.T, url string, tok *bearer, version string) *mcpsdk.ClientSession {
	t.Helper()
	tr := &mcpsdk.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: tok}}
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test-client", Version: "1"}, nil).
		Connect(t.Context(), tr, &mcpsdk.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect at %s: %v", version, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func TestHTTPBothEras(t *testing.T) {
	tests := []struct {
		name        string
		version     string
		wantSession bool
	}{
		{"modern is stateless", modernVersion, false},
		{"legacy has a session", legacyVersion, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			srv := edge(t, f, map[string]domain.Principal{"bob": bob})
			cs := connectHTTP(t, srv.URL, &bearer{token: "bob"}, tt.version)
			if got := cs.InitializeResult().ProtocolVersion; got != tt.version {
				t.Errorf("negotiated %q, want %q", got, tt.version)
			}
			if got := cs.ID() != ""; got != tt.wantSession {
				t.Errorf("session id %q present = %v, want %v", cs.ID(), got, tt.wantSession)
			}
			list, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatalf("ListTools: %v", err)
			}
			if diff := cmp.Diff([]string{"boom", "echo"}, toolNames(list)); diff != "" {
				t.Errorf("bob's tools mismatch (-want +got):\n%s", diff)
			}
			res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
			if err != nil || res.IsError {
				t.Fatalf("CallTool(echo) = %+v, %v; want success", res, err)
			}
			_, err = cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "note_write", Arguments: map[string]any{"text": "hi"}})
			if err == nil || !strings.Contains(err.Error(), "insufficient_scope: tool note_write needs scope write") {
				t.Errorf("CallTool(note_write) error = %v, want insufficient_scope naming write", err)
			}
			invs := f.audit.all()
			if len(invs) != 2 || invs[0].Outcome != "ok" || invs[0].Transport != "http" || invs[1].Outcome != "denied" {
				t.Errorf("audit = %+v, want ok then denied over http", invs)
			}
		})
	}
}

// rawMCP sends one JSON-RPC message the way a legacy client would.
func rawMCP(t *testing.T, method, url, token, sessionID, version, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if version != "" {
		req.Header.Set("MCP-Protocol-Version", version)
	}
	if sessionID != "" {
		req.Header.Set("Mcp-Session-Id", sessionID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func TestLegacySessionBoundToUser(t *testing.T) {
	f := newFixture(t, nil)
	srv := edge(t, f, map[string]domain.Principal{"alice": alice, "bob": bob})
	cs := connectHTTP(t, srv.URL, &bearer{token: "alice"}, legacyVersion)
	sid := cs.ID()
	if sid == "" {
		t.Fatal("legacy connect minted no session id")
	}
	const list = `{"jsonrpc":"2.0","id":7,"method":"tools/list"}`
	tests := []struct {
		name, method, token, body string
		want                      int
	}{
		{"bob posts to alice's session", http.MethodPost, "bob", list, http.StatusForbidden},
		{"bob opens alice's stream", http.MethodGet, "bob", "", http.StatusForbidden},
		{"bob deletes alice's session", http.MethodDelete, "bob", "", http.StatusForbidden},
		{"alice posts to her session", http.MethodPost, "alice", list, http.StatusOK},
		{"alice deletes her session", http.MethodDelete, "alice", "", http.StatusNoContent},
		{"after delete the session is gone", http.MethodPost, "alice", list, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rawMCP(t, tt.method, srv.URL, tt.token, sid, legacyVersion, tt.body)
			if resp.StatusCode != tt.want {
				t.Errorf("%s as %s = %d, want %d", tt.method, tt.token, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestLegacySessionUsesEachRequestsCaller(t *testing.T) {
	f := newFixture(t, nil)
	aliceRead := principal("alice", "read")
	srv := edge(t, f, map[string]domain.Principal{"alice-read": aliceRead, "alice-write": alice})
	tok := &bearer{token: "alice-read"}
	cs := connectHTTP(t, srv.URL, tok, legacyVersion)
	call := func() error {
		res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "note_write", Arguments: map[string]any{"text": "x"}})
		if err == nil && res.IsError {
			t.Fatalf("note_write failed as a tool: %+v", res)
		}
		return err
	}
	if err := call(); err == nil {
		t.Fatal("note_write with a read token succeeded")
	}
	// A step-up token for the same user reuses the session; the session must
	// not keep judging by the token that created it.
	tok.set("alice-write")
	if err := call(); err != nil {
		t.Fatalf("note_write after step-up: %v", err)
	}
}

func TestHTTPRouting(t *testing.T) {
	f := newFixture(t, nil)
	srv := edge(t, f, map[string]domain.Principal{"bob": bob})
	tests := []struct {
		name, method, version string
		want                  int
	}{
		// The stateful handler wants a session for GET and DELETE; the
		// stateless one serves POST alone.
		{"GET without version is legacy", http.MethodGet, "", http.StatusBadRequest},
		{"GET at 2025-11-25 is legacy", http.MethodGet, legacyVersion, http.StatusBadRequest},
		{"GET at 2026-07-28 is modern", http.MethodGet, modernVersion, http.StatusMethodNotAllowed},
		{"DELETE without version is legacy", http.MethodDelete, "", http.StatusBadRequest},
		{"DELETE at a later version is modern", http.MethodDelete, "2027-01-01", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := rawMCP(t, tt.method, srv.URL, "bob", "", tt.version, "")
			if resp.StatusCode != tt.want {
				t.Errorf("%s with version %q = %d, want %d", tt.method, tt.version, resp.StatusCode, tt.want)
			}
		})
	}
}

func TestHTTPWithoutCallerIsUnauthorized(t *testing.T) {
	f := newFixture(t, nil)
	req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/mcp",
		strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}}`))
	req.Header.Set("Authorization", "Bearer anything")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	rec := httptest.NewRecorder()
	f.srv.HTTPHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("status = %d, want 401 (body %q)", rec.Code, rec.Body.String())
	}
}

// The REST API calls the handler in process, with the caller in the
// context and no Authorization header.
func TestHTTPInProcessRequest(t *testing.T) {
	f := newFixture(t, nil)
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
	ctx := app.WithCaller(t.Context(), app.Caller{Principal: bob, Transport: app.TransportREST, Admitted: true})
	req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/mcp", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", modernVersion)
	req.Header.Set("Mcp-Method", "tools/call")
	req.Header.Set("Mcp-Name", "echo")
	rec := httptest.NewRecorder()
	f.srv.HTTPHandler().ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"subject":"bob"`) {
		t.Errorf("status %d, body %q; want 200 with bob's echo", rec.Code, rec.Body.String())
	}
	if invs := f.audit.all(); len(invs) != 1 || invs[0].Transport != "rest" || invs[0].Outcome != "ok" {
		t.Errorf("audit = %+v, want one ok rest call", invs)
	}
}
