package http

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestRESTToolsGoesThroughMCPAsTheCaller(t *testing.T) {
	e := newEdge(t, withAuthenticator(reader()))
	e.mcp.answer = `{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"whoami"}]}}`
	rec := e.do(protected(http.MethodGet, "/mcp/tools", ""))
	wantStatus(t, rec, http.StatusOK)
	if got, want := strings.TrimSpace(rec.Body.String()), `{"tools":[{"name":"whoami"}]}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if got := rec.Header().Get("Cache-Control"); got != "private, no-store" {
		t.Errorf("Cache-Control = %q", got)
	}
	hits := e.mcp.hits()
	if len(hits) != 1 {
		t.Fatalf("MCP handler reached %d times, want 1", len(hits))
	}
	h := hits[0]
	if h.caller.Transport != app.TransportREST || h.caller.Principal.Subject != "bob" || h.caller.Admitted {
		t.Errorf("caller = %+v, want bob over rest, not admitted", h.caller)
	}
	if !newOriginPolicy(testBase, nil).hostAllowed(h.host) {
		t.Errorf("in-process request Host %q is not one this server answers to", h.host)
	}
	var msg struct {
		Method string `json:"method"`
	}
	if err := json.Unmarshal([]byte(h.body), &msg); err != nil || msg.Method != "tools/list" {
		t.Errorf("MCP body = %s, want a tools/list request", h.body)
	}
}

func TestRESTExecute(t *testing.T) {
	tests := []struct {
		name     string
		tool     string
		body     string
		answer   string
		status   int
		wantBody string
		wantHits int
		wantArgs map[string]any
	}{
		{name: "allowed", tool: "whoami", body: `{"arguments":{"x":1}}`, status: http.StatusOK,
			answer: `{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`, wantBody: `{"content":[]}`, wantHits: 1,
			wantArgs: map[string]any{"x": float64(1)}},
		{name: "no body means no arguments", tool: "whoami", status: http.StatusOK,
			answer: `{"jsonrpc":"2.0","id":1,"result":{}}`, wantBody: `{}`, wantHits: 1, wantArgs: map[string]any{}},
		{name: "SSE answer", tool: "whoami", body: `{}`, status: http.StatusOK,
			answer: "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"ok\":true}}\n\n", wantBody: `{"ok":true}`, wantHits: 1,
			wantArgs: map[string]any{}},
		{name: "denied by the gate", tool: "admin_secret", body: `{"arguments":{}}`, status: http.StatusForbidden},
		{name: "malformed body", tool: "whoami", body: `{"arguments":`, status: http.StatusBadRequest},
		{name: "unknown tool", tool: "nope", body: `{}`, status: http.StatusNotFound, wantHits: 1,
			answer: `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"unknown tool \"nope\""}}`},
		{name: "tool error", tool: "whoami", body: `{}`, status: http.StatusBadRequest, wantHits: 1,
			answer: `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"invalid params"}}`},
		{name: "unreadable MCP answer", tool: "whoami", body: `{}`, status: http.StatusInternalServerError, wantHits: 1,
			answer: `not json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(reader()))
			e.mcp.answer = tt.answer
			rec := e.do(protected(http.MethodPost, "/mcp/execute/"+tt.tool, tt.body))
			wantStatus(t, rec, tt.status)
			if tt.wantBody != "" && strings.TrimSpace(rec.Body.String()) != tt.wantBody {
				t.Errorf("body = %s, want %s", rec.Body, tt.wantBody)
			}
			hits := e.mcp.hits()
			if len(hits) != tt.wantHits {
				t.Fatalf("MCP handler reached %d times, want %d", len(hits), tt.wantHits)
			}
			if tt.wantHits == 0 {
				return
			}
			if !hits[0].caller.Admitted || hits[0].caller.Transport != app.TransportREST {
				t.Errorf("caller = %+v, want admitted over rest", hits[0].caller)
			}
			var msg struct {
				Method string `json:"method"`
				Params struct {
					Name      string         `json:"name"`
					Arguments map[string]any `json:"arguments"`
				} `json:"params"`
			}
			if err := json.Unmarshal([]byte(hits[0].body), &msg); err != nil {
				t.Fatalf("MCP body: %v", err)
			}
			if msg.Method != "tools/call" || msg.Params.Name != tt.tool {
				t.Errorf("MCP got %s %q, want tools/call %q", msg.Method, msg.Params.Name, tt.tool)
			}
			if tt.wantArgs != nil {
				if diff := cmp.Diff(tt.wantArgs, msg.Params.Arguments); diff != "" {
					t.Errorf("arguments (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestRESTSessions(t *testing.T) {
	authn := reader()
	e := newEdge(t, withAuthenticator(authn))
	create := func() (int, string) {
		rec := e.do(protected(http.MethodPost, "/mcp/session/create", ""))
		var out struct {
			ID string `json:"session_id"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out.ID
	}
	status, id := create()
	if status != http.StatusCreated || id == "" {
		t.Fatalf("create = (%d, %q), want (201, an id)", status, id)
	}
	wantStatus(t, e.do(protected(http.MethodPost, "/mcp/session/"+id+"/execute/whoami", `{}`)), http.StatusOK)

	// Another user cannot use or delete it.
	authn.set(domain.Principal{Subject: "mallory", Scopes: domain.ParseScopes("read")})
	wantStatus(t, e.do(protected(http.MethodPost, "/mcp/session/"+id+"/execute/whoami", `{}`)), http.StatusNotFound)
	wantStatus(t, e.do(protected(http.MethodDelete, "/mcp/session/"+id, "")), http.StatusNotFound)
	authn.set(reader().principal)

	// The cap is two sessions.
	if status, _ := create(); status != http.StatusCreated {
		t.Fatalf("second create = %d, want 201", status)
	}
	if status, _ := create(); status != http.StatusConflict {
		t.Fatalf("third create = %d, want 409", status)
	}

	wantStatus(t, e.do(protected(http.MethodDelete, "/mcp/session/"+id, "")), http.StatusNoContent)
	wantStatus(t, e.do(protected(http.MethodPost, "/mcp/session/"+id+"/execute/whoami", `{}`)), http.StatusNotFound)
}

func TestRESTEndpointsAreGuarded(t *testing.T) {
	paths := []struct{ method, path string }{
		{http.MethodPost, "/mcp/execute/whoami"},
		{http.MethodPost, "/mcp/session/create"},
		{http.MethodPost, "/mcp/session/x/execute/whoami"},
		{http.MethodDelete, "/mcp/session/x"},
	}
	for _, p := range paths {
		t.Run(p.method+" "+p.path, func(t *testing.T) {
			authn := reader()
			e := newEdge(t, withAuthenticator(authn))
			foreign := protected(p.method, p.path, `{}`)
			foreign.Header.Set("Origin", "http://evil.example.com")
			wantStatus(t, e.do(foreign), http.StatusForbidden)
			anonymous := protected(p.method, p.path, `{}`)
			anonymous.Header.Del("Authorization")
			wantStatus(t, e.do(anonymous), http.StatusUnauthorized)
			if authn.count() != 0 || len(e.mcp.hits()) != 0 {
				t.Errorf("authenticator calls %d, MCP hits %d; want 0, 0", authn.count(), len(e.mcp.hits()))
			}
		})
	}
}
