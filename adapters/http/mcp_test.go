package http

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatehouse/adapters/ratelimit/memory"
	"gatehouse/app"
	"gatehouse/domain"
)

func TestToolCallName(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantTool string
		wantCall bool
		wantErr  string
	}{
		{name: "tools/call", body: callBody("whoami"), wantTool: "whoami", wantCall: true},
		{name: "leading whitespace", body: " \n" + callBody("whoami"), wantTool: "whoami", wantCall: true},
		{name: "empty name is still a call", body: `{"method":"tools/call","params":{"name":""}}`, wantCall: true},
		{name: "tools/list", body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
		{name: "initialize", body: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"name":"admin_x"}}`},
		{name: "notification", body: `{"jsonrpc":"2.0","method":"notifications/initialized"}`},
		{name: "response", body: `{"jsonrpc":"2.0","id":1,"result":{}}`},
		{name: "batch", body: "[" + callBody("whoami") + "]", wantErr: domain.CodeInvalidRequest},
		{name: "batch after whitespace", body: "\t [" + callBody("whoami") + "]", wantErr: domain.CodeInvalidRequest},
		{name: "missing name", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{}}}`, wantErr: domain.CodeInvalidRequest},
		{name: "missing params", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, wantErr: domain.CodeInvalidRequest},
		{name: "null name", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}}`, wantErr: domain.CodeInvalidRequest},
		{name: "malformed JSON passes to the SDK", body: `{"jsonrpc":"2.0","method":"tools/call",`},
		{name: "empty body passes to the SDK", body: ``},
		{name: "non-string name passes to the SDK", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":7}}`},
		{name: "non-object params pass to the SDK", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":"admin_x"}`},
		{name: "non-string method passes to the SDK", body: `{"jsonrpc":"2.0","id":1,"method":7,"params":{"name":"admin_x"}}`},
		{name: "null params", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`, wantErr: domain.CodeInvalidRequest},
		// The MCP SDK matches JSON keys case-sensitively; the peek must read
		// the same name the SDK will run.
		{name: "case variant of name is not the name", wantTool: "admin_secret", wantCall: true,
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_secret","Name":"whoami"}}`},
		{name: "case variant of params is not the params", wantTool: "admin_secret", wantCall: true,
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_secret"},"Params":{"name":"whoami"}}`},
		{name: "case variant of method is not the method",
			body: `{"jsonrpc":"2.0","id":1,"method":"ping","METHOD":"tools/call","params":{"name":"admin_secret"}}`},
		{name: "only a case variant of name", wantErr: domain.CodeInvalidRequest,
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"NAME":"whoami"}}`},
		{name: "duplicate name: the last wins, as in the SDK", wantTool: "admin_secret", wantCall: true,
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","name":"admin_secret"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool, isCall, err := toolCallName([]byte(tt.body))
			if tt.wantErr != "" {
				var oe *domain.OAuthError
				if !errors.As(err, &oe) || oe.Code != tt.wantErr {
					t.Fatalf("toolCallName error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("toolCallName: %v", err)
			}
			if tool != tt.wantTool || isCall != tt.wantCall {
				t.Errorf("toolCallName = (%q, %v), want (%q, %v)", tool, isCall, tt.wantTool, tt.wantCall)
			}
		})
	}
}

func TestMCPToolCallIsDecidedByTheBodyNotTheHeader(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "plain body", body: callBody("admin_secret")},
		{name: "case-variant key naming an allowed tool",
			body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"admin_secret","Name":"whoami"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(reader()))
			req := mcpPost(tt.body)
			req.Header.Set("Mcp-Method", "tools/call")
			req.Header.Set("Mcp-Name", "whoami")
			rec := e.do(req)
			wantStatus(t, rec, http.StatusForbidden)
			if got := decodeError(t, rec).Error; got != domain.CodeInsufficientScope {
				t.Errorf("error = %q, want %q", got, domain.CodeInsufficientScope)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			for _, want := range []string{`error="insufficient_scope"`, `scope="admin"`, `resource_metadata="` + testPRM + `"`} {
				if !strings.Contains(ch, want) {
					t.Errorf("WWW-Authenticate = %q, want it to contain %q", ch, want)
				}
			}
			if n := len(e.mcp.hits()); n != 0 {
				t.Errorf("MCP handler reached %d times, want 0", n)
			}
		})
	}
}

func TestMCPAdmittedCallReachesHandlerWithCaller(t *testing.T) {
	e := newEdge(t, withAuthenticator(reader()))
	body := callBody("whoami")
	rec := e.do(mcpPost(body))
	wantStatus(t, rec, http.StatusOK)
	hits := e.mcp.hits()
	if len(hits) != 1 {
		t.Fatalf("MCP handler reached %d times, want 1", len(hits))
	}
	h := hits[0]
	if !h.hasCaller || h.caller.Principal.Subject != "bob" || h.caller.Transport != app.TransportHTTP || !h.caller.Admitted {
		t.Errorf("caller = %+v (present %v), want bob over http, admitted", h.caller, h.hasCaller)
	}
	if h.body != body {
		t.Errorf("MCP handler read body %q, want %q", h.body, body)
	}
}

func TestMCPOtherRequestsReachHandlerUnadmitted(t *testing.T) {
	tests := []struct {
		name   string
		method string
		body   string
	}{
		{name: "tools/list", method: http.MethodPost, body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`},
		{name: "malformed JSON", method: http.MethodPost, body: `{"jsonrpc":`},
		{name: "GET stream", method: http.MethodGet},
		{name: "DELETE session", method: http.MethodDelete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(reader()))
			req := mcpPost(tt.body)
			req.Method = tt.method
			wantStatus(t, e.do(req), http.StatusOK)
			hits := e.mcp.hits()
			if len(hits) != 1 {
				t.Fatalf("MCP handler reached %d times, want 1", len(hits))
			}
			if !hits[0].hasCaller || hits[0].caller.Admitted || hits[0].caller.Principal.Subject != "bob" {
				t.Errorf("caller = %+v (present %v), want bob, not admitted", hits[0].caller, hits[0].hasCaller)
			}
		})
	}
}

func TestMCPRefusesBatchesAndNamelessCalls(t *testing.T) {
	tests := map[string]string{
		"batch":        "[" + callBody("whoami") + "]",
		"missing name": `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}`,
	}
	for name, body := range tests {
		t.Run(name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(reader()))
			rec := e.do(mcpPost(body))
			wantStatus(t, rec, http.StatusBadRequest)
			if got := decodeError(t, rec).Error; got != domain.CodeInvalidRequest {
				t.Errorf("error = %q, want invalid_request", got)
			}
			if n := len(e.mcp.hits()); n != 0 {
				t.Errorf("MCP handler reached %d times, want 0", n)
			}
		})
	}
}

func TestMCPBodyOverLimitIs413(t *testing.T) {
	e := newEdge(t, withAuthenticator(reader()))
	rec := e.do(mcpPost(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + strings.Repeat("a", maxMCPBody) + `"}}`))
	wantStatus(t, rec, http.StatusRequestEntityTooLarge)
	if n := len(e.mcp.hits()); n != 0 {
		t.Errorf("MCP handler reached %d times, want 0", n)
	}
}

func TestMCPToolCallOverRateLimitIs429(t *testing.T) {
	e := newEdge(t, withAuthenticator(reader()), withDeps(func(d *Deps) {
		d.Gate.Limiter = memory.New()
		d.Gate.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 1, Window: 1000 * time.Hour}
	}))
	wantStatus(t, e.do(mcpPost(callBody("whoami"))), http.StatusOK)
	rec := e.do(mcpPost(callBody("whoami")))
	wantStatus(t, rec, http.StatusTooManyRequests)
	for _, h := range []string{"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} {
		if rec.Header().Get(h) == "" {
			t.Errorf("%s is missing", h)
		}
	}
	if got := rec.Header().Get("RateLimit-Limit"); got != "1" {
		t.Errorf("RateLimit-Limit = %q, want 1", got)
	}
	if n := len(e.mcp.hits()); n != 1 {
		t.Errorf("MCP handler reached %d times, want 1", n)
	}
}

func TestMCPNotServedWithoutHandler(t *testing.T) {
	e := newEdge(t, withDeps(func(d *Deps) { d.MCP, d.Gate, d.Sessions = nil, nil, nil }))
	wantStatus(t, e.do(mcpPost(callBody("whoami"))), http.StatusNotFound)
}
