package mcp_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

func TestListToolsFilteredPerCaller(t *testing.T) {
	f := newFixture(t, nil)
	tests := []struct {
		name   string
		caller domain.Principal
		want   []string
	}{
		{"bob reads", bob, []string{"boom", "echo"}},
		{"alice writes", alice, []string{"boom", "echo", "note_write"}},
		{"admin sees all", admin, []string{"admin_purge", "boom", "echo", "note_write"}},
		{"bob again after admin", bob, []string{"boom", "echo"}},
		{"no scopes", principal("nobody"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := f.connect(t, &app.Caller{Principal: tt.caller, Transport: app.TransportHTTP})
			res, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatalf("ListTools: %v", err)
			}
			if diff := cmp.Diff(tt.want, toolNames(res)); diff != "" {
				t.Errorf("tools mismatch (-want +got):\n%s", diff)
			}
			if res.CacheScope != "private" {
				t.Errorf("cacheScope = %q, want private", res.CacheScope)
			}
		})
	}
}

func TestCallToolDeniedNamesScope(t *testing.T) {
	tests := []struct {
		name    string
		caller  domain.Principal
		tool    string
		wantMsg string
	}{
		{"read caller, write tool", bob, "note_write", "insufficient_scope: tool note_write needs scope write"},
		{"read caller, admin tool", bob, "admin_purge", "insufficient_scope: tool admin_purge needs scope admin"},
		{"write caller, admin tool", alice, "admin_purge", "insufficient_scope: tool admin_purge needs scope admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			cs := f.connect(t, &app.Caller{Principal: tt.caller, Transport: app.TransportHTTP})
			_, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: tt.tool, Arguments: map[string]any{"text": "x"}})
			var werr *jsonrpc.Error
			if !errors.As(err, &werr) {
				t.Fatalf("CallTool error = %v, want a JSON-RPC error", err)
			}
			if werr.Code != -32011 || werr.Message != tt.wantMsg {
				t.Errorf("error = (%d, %q), want (%d, %q)", werr.Code, werr.Message, -32011, tt.wantMsg)
			}
			invs := f.audit.all()
			if len(invs) != 1 || invs[0].Outcome != "denied" || invs[0].Tool != tt.tool || invs[0].Subject != tt.caller.Subject {
				t.Errorf("audit = %+v, want one denied call of %s by %s", invs, tt.tool, tt.caller.Subject)
			}
		})
	}
}

func TestCallToolAudited(t *testing.T) {
	tests := []struct {
		name        string
		auditArgs   bool
		tool        string
		want        domain.ToolInvocation
		wantIsError bool
	}{
		{
			name: "ok, arguments redacted", tool: "echo",
			want: domain.ToolInvocation{
				Subject: "alice", ClientID: "client-alice", Tool: "echo", Transport: "http", Outcome: "ok",
				Duration: 250 * time.Millisecond, Arguments: map[string]any{"text": "[redacted]"},
			},
		},
		{
			name: "ok, arguments kept when configured", tool: "echo", auditArgs: true,
			want: domain.ToolInvocation{
				Subject: "alice", ClientID: "client-alice", Tool: "echo", Transport: "http", Outcome: "ok",
				Duration: 250 * time.Millisecond, Arguments: map[string]any{"text": "s3cret"},
			},
		},
		{
			name: "tool error, detail withheld", tool: "boom", wantIsError: true,
			want: domain.ToolInvocation{
				Subject: "alice", ClientID: "client-alice", Tool: "boom", Transport: "http", Outcome: "error",
				Reason: "tool error", Arguments: map[string]any{"text": "[redacted]"},
			},
		},
		{
			name: "tool error, detail kept when configured", tool: "boom", auditArgs: true, wantIsError: true,
			want: domain.ToolInvocation{
				Subject: "alice", ClientID: "client-alice", Tool: "boom", Transport: "http", Outcome: "error",
				Reason: "tool error: exploded on purpose", Arguments: map[string]any{"text": "s3cret"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(g *app.ToolGate) { g.AuditArguments = tt.auditArgs })
			cs := f.connect(t, &app.Caller{Principal: alice, Transport: app.TransportHTTP})
			res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: tt.tool, Arguments: map[string]any{"text": "s3cret"}})
			if err != nil {
				t.Fatalf("CallTool: %v", err)
			}
			if res.IsError != tt.wantIsError {
				t.Errorf("IsError = %v, want %v", res.IsError, tt.wantIsError)
			}
			invs := f.audit.all()
			if len(invs) != 1 {
				t.Fatalf("audit has %d entries, want 1: %+v", len(invs), invs)
			}
			got := invs[0]
			got.At = time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("audit entry mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCallToolSeesCaller(t *testing.T) {
	f := newFixture(t, nil)
	cs := f.connect(t, &app.Caller{Principal: bob, Transport: app.TransportHTTP})
	res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
	if err != nil {
		t.Fatalf("CallTool: %v", err)
	}
	var out echoOut
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	if out != (echoOut{Text: "hi", Subject: "bob"}) {
		t.Errorf("echo = %+v, want text hi from bob", out)
	}
}

func TestCallToolRateLimited(t *testing.T) {
	tests := []struct {
		name        string
		limiter     *fakeLimiter
		calls       int
		wantCode    int64
		wantMsg     string
		wantOutcome string
	}{
		{
			name: "over the limit", limiter: &fakeLimiter{n: 2}, calls: 3,
			wantCode: -32012, wantMsg: "rate limit exceeded: 2 calls per window", wantOutcome: "rate_limited",
		},
		{
			name: "limiter unreachable", calls: 1,
			limiter: &fakeLimiter{AllowFn: func(string) (ports.RateDecision, error) {
				return ports.RateDecision{}, ports.ErrUnavailable
			}},
			wantCode: -32013, wantMsg: "service unavailable", wantOutcome: "error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, func(g *app.ToolGate) {
				g.Limiter = tt.limiter
				g.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 2, Window: time.Hour}
			})
			cs := f.connect(t, &app.Caller{Principal: bob, Transport: app.TransportHTTP})
			var err error
			for i := range tt.calls {
				_, err = cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
				if i < tt.calls-1 && err != nil {
					t.Fatalf("call %d: %v", i+1, err)
				}
			}
			var werr *jsonrpc.Error
			if !errors.As(err, &werr) {
				t.Fatalf("last call error = %v, want a JSON-RPC error", err)
			}
			if werr.Code != tt.wantCode || !strings.HasPrefix(werr.Message, tt.wantMsg) {
				t.Errorf("error = (%d, %q), want (%d, %q…)", werr.Code, werr.Message, tt.wantCode, tt.wantMsg)
			}
			invs := f.audit.all()
			if last := invs[len(invs)-1]; last.Outcome != tt.wantOutcome {
				t.Errorf("last audit outcome = %q, want %q", last.Outcome, tt.wantOutcome)
			}
		})
	}
}

func TestAdmittedCallSkipsGate(t *testing.T) {
	f := newFixture(t, func(g *app.ToolGate) {
		g.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 1, Window: time.Hour}
		g.Limiter = &fakeLimiter{AllowFn: func(string) (ports.RateDecision, error) {
			t.Error("limiter consulted for a call the edge already admitted")
			return ports.RateDecision{}, errors.New("unexpected")
		}}
	})
	// The edge decided this call from the HTTP body; counting it again here
	// would charge the caller twice.
	cs := f.connect(t, &app.Caller{Principal: alice, Transport: app.TransportREST, Admitted: true})
	res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "note_write", Arguments: map[string]any{"text": "x"}})
	if err != nil || res.IsError {
		t.Fatalf("CallTool = %+v, %v; want success", res, err)
	}
	if invs := f.audit.all(); len(invs) != 1 || invs[0].Outcome != "ok" || invs[0].Transport != "rest" {
		t.Errorf("audit = %+v, want one ok rest call", invs)
	}
}

func TestRequestWithoutCallerRefused(t *testing.T) {
	f := newFixture(t, nil)
	st, ct := mcpsdk.NewInMemoryTransports()
	ss, err := f.srv.SDK().Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "anon", Version: "1"}, nil).Connect(t.Context(), ct, nil)
	if err == nil {
		_ = cs.Close()
		t.Fatal("Connect without a caller succeeded, want refusal")
	}
	if !strings.Contains(err.Error(), "authentication required") {
		t.Errorf("Connect error = %v, want it to say authentication required", err)
	}
	if invs := f.audit.all(); len(invs) != 0 {
		t.Errorf("audit = %+v, want nothing recorded", invs)
	}
}
