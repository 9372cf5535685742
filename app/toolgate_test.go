package app_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/audit"
	ratemem "gatehouse/adapters/ratelimit/memory"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// testToolPolicy: admin tools need admin, writes need write (and vault
// writes need both write and vault), everything else read; admin implies
// write implies read.
func testToolPolicy() domain.ToolPolicy {
	return domain.ToolPolicy{
		Rules: []domain.ToolRule{
			{Match: "admin_*", Scopes: domain.ParseScopes("admin")},
			{Match: "vault_put", Scopes: domain.ParseScopes("vault write")},
			{Match: "put_*", Scopes: domain.ParseScopes("write")},
		},
		Default:      domain.ParseScopes("read"),
		Implications: domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
	}
}

type gateFixture struct {
	gate  *app.ToolGate
	ring  *audit.Ring
	clock *fakeClock
}

func newGate(edit func(*app.ToolGate)) gateFixture {
	clock := newFakeClock()
	ring := audit.NewRing(16, nil)
	g := &app.ToolGate{Policy: testToolPolicy(), Audit: ring, Clock: clock.Now}
	if edit != nil {
		edit(g)
	}
	return gateFixture{gate: g, ring: ring, clock: clock}
}

func callerWith(scopes string) app.Caller {
	return app.Caller{
		Principal: domain.Principal{Subject: "alice", ClientID: publicID, Scopes: domain.ParseScopes(scopes)},
		Transport: app.TransportREST,
	}
}

func (f gateFixture) audited(t *testing.T) []domain.ToolInvocation {
	t.Helper()
	invs, err := f.ring.RecentInvocations(t.Context(), 0)
	if err != nil {
		t.Fatalf("RecentInvocations: %v", err)
	}
	return invs
}

func TestToolGateAdmitByScope(t *testing.T) {
	tests := []struct {
		name   string
		held   string
		tool   string
		admit  bool
		wantSc string // the Scope of the insufficient_scope error
	}{
		{"read admits a default tool", "read", "get_thing", true, ""},
		{"write implies read", "write", "get_thing", true, ""},
		{"admin implies write", "admin", "put_thing", true, ""},
		{"admin implies read transitively", "admin", "get_thing", true, ""},
		{"admin passes admin tools", "admin", "admin_list", true, ""},
		{"read refused a write tool", "read", "put_thing", false, "write"},
		{"write refused an admin tool", "write read", "admin_list", false, "admin"},
		{"no scopes refused a read tool", "", "get_thing", false, "read"},
		{"holding one of two lists both", "write", "vault_put", false, "vault write"},
		{"holding neither of two lists both", "read", "vault_put", false, "vault write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGate(nil)
			err := f.gate.Admit(t.Context(), callerWith(tt.held), tt.tool)
			if tt.admit {
				if err != nil {
					t.Fatalf("Admit(%q with %q) = %v, want admitted", tt.tool, tt.held, err)
				}
				if got := len(f.audited(t)); got != 0 {
					t.Errorf("an admitted call wrote %d audit entries before running; want 0", got)
				}
				return
			}
			wantCode(t, err, domain.CodeInsufficientScope)
			var oe *domain.OAuthError
			errors.As(err, &oe)
			if diff := cmp.Diff(domain.ParseScopes(tt.wantSc), oe.Scope); diff != "" {
				t.Errorf("error Scope (-want +got):\n%s", diff)
			}
			if f.gate.Visible(callerWith(tt.held).Principal, tt.tool) {
				t.Errorf("Visible(%q with %q) = true for a refused tool", tt.tool, tt.held)
			}
			invs := f.audited(t)
			if len(invs) != 1 || invs[0].Outcome != "denied" || invs[0].Tool != tt.tool || invs[0].Subject != "alice" {
				t.Fatalf("audit = %+v, want one denied entry for alice's %s", invs, tt.tool)
			}
		})
	}
}

func TestToolGateRateLimit(t *testing.T) {
	lim := ratemem.New()
	f := newGate(func(g *app.ToolGate) {
		g.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 2, Window: time.Minute}
		g.Limiter = lim
	})
	c := callerWith("read")
	// The fake clock starts on a minute boundary; 58.8 s into the window
	// leaves 1.2 s, which must round up to 2.
	f.clock.Advance(58*time.Second + 800*time.Millisecond)
	for i := range 2 {
		if err := f.gate.Admit(t.Context(), c, "get_thing"); err != nil {
			t.Fatalf("call %d: %v, want admitted", i+1, err)
		}
	}
	err := f.gate.Admit(t.Context(), c, "get_thing")
	var rl *app.RateLimitedError
	if !errors.As(err, &rl) {
		t.Fatalf("third call: %v (%T), want *app.RateLimitedError", err, err)
	}
	if got := rl.RetryAfterSeconds(); got != 2 {
		t.Errorf("RetryAfterSeconds = %d (RetryAfter %v), want 2", got, rl.RetryAfter)
	}
	if rl.Decision.Limit != 2 || rl.Decision.Remaining != 0 {
		t.Errorf("Decision = %+v, want Limit 2, Remaining 0", rl.Decision)
	}
	invs := f.audited(t)
	if len(invs) != 1 || invs[0].Outcome != "rate_limited" {
		t.Fatalf("audit = %+v, want one rate_limited entry", invs)
	}
	// Another subject has its own budget.
	other := callerWith("read")
	other.Principal.Subject = "bob"
	if err := f.gate.Admit(t.Context(), other, "get_thing"); err != nil {
		t.Errorf("bob's first call: %v, want admitted", err)
	}
	f.clock.Advance(2 * time.Second)
	if err := f.gate.Admit(t.Context(), c, "get_thing"); err != nil {
		t.Errorf("first call of the next window: %v, want admitted", err)
	}
}

func TestRateLimitedErrorRetryAfterRoundsUp(t *testing.T) {
	tests := []struct {
		name  string
		after time.Duration
		want  int
	}{
		{"whole second", time.Second, 1},
		{"one point two", 1200 * time.Millisecond, 2},
		{"a nanosecond over", 3*time.Second + 1, 4},
		{"a minute", time.Minute, 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &app.RateLimitedError{RetryAfter: tt.after}
			if got := e.RetryAfterSeconds(); got != tt.want {
				t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.after, got, tt.want)
			}
		})
	}
}

// downLimiter cannot reach its backend.
type downLimiter struct{}

func (downLimiter) Allow(context.Context, string, int, time.Duration, time.Time) (ports.RateDecision, error) {
	return ports.RateDecision{Allowed: true}, errDown
}

func TestToolGateUnreachableLimiterRefuses(t *testing.T) {
	f := newGate(func(g *app.ToolGate) {
		g.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 2, Window: time.Minute}
		g.Limiter = downLimiter{}
	})
	err := f.gate.Admit(t.Context(), callerWith("read"), "get_thing")
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("Admit = %v, want an error wrapping ports.ErrUnavailable", err)
	}
	invs := f.audited(t)
	if len(invs) != 1 || invs[0].Outcome != "error" {
		t.Fatalf("audit = %+v, want one error entry", invs)
	}
}

func TestToolGateRateLimitOff(t *testing.T) {
	tests := []struct {
		name string
		edit func(*app.ToolGate)
	}{
		{"disabled", func(g *app.ToolGate) {
			g.RateLimit = app.RateLimitConfig{Requests: 1, Window: time.Minute}
			g.Limiter = downLimiter{}
		}},
		{"no limiter", func(g *app.ToolGate) {
			g.RateLimit = app.RateLimitConfig{Enabled: true, Requests: 1, Window: time.Minute}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGate(tt.edit)
			for i := range 3 {
				if err := f.gate.Admit(t.Context(), callerWith("read"), "get_thing"); err != nil {
					t.Fatalf("call %d: %v, want admitted", i+1, err)
				}
			}
		})
	}
}

func TestToolGateRecordRedactsArguments(t *testing.T) {
	args := map[string]any{"path": "/secret/plan.txt", "count": 3}
	tests := []struct {
		name    string
		auditOn bool
		args    map[string]any
		want    map[string]any
	}{
		{"values redacted by default", false, args, map[string]any{"path": "[redacted]", "count": "[redacted]"}},
		{"values kept when AuditArguments", true, args, map[string]any{"path": "/secret/plan.txt", "count": 3}},
		{"no arguments, no map", false, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newGate(func(g *app.ToolGate) { g.AuditArguments = tt.auditOn })
			c := callerWith("read")
			f.gate.Record(t.Context(), c, "get_thing", "ok", "", 250*time.Millisecond, tt.args)
			want := []domain.ToolInvocation{{
				At: f.clock.Now(), Subject: "alice", ClientID: publicID, Tool: "get_thing",
				Transport: app.TransportREST, Outcome: "ok", Duration: 250 * time.Millisecond, Arguments: tt.want,
			}}
			if diff := cmp.Diff(want, f.audited(t)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
	}
	if args["path"] != "/secret/plan.txt" {
		t.Errorf("Record changed the caller's arguments: %v", args)
	}
}

func TestToolGateRecordWithoutSinkDoesNothing(t *testing.T) {
	g := &app.ToolGate{Policy: testToolPolicy()}
	g.Record(t.Context(), callerWith("read"), "get_thing", "ok", "", 0, map[string]any{"a": 1})
	if err := g.Admit(t.Context(), callerWith(""), "get_thing"); !isOAuth(err, domain.CodeInsufficientScope) {
		t.Errorf("Admit without a sink = %v, want insufficient_scope", err)
	}
}

func TestToolGateRequired(t *testing.T) {
	g := &app.ToolGate{Policy: testToolPolicy()}
	if diff := cmp.Diff(domain.ParseScopes("vault write"), g.Required("vault_put")); diff != "" {
		t.Errorf("Required(vault_put) (-want +got):\n%s", diff)
	}
}

// brokenAudit cannot write.
type brokenAudit struct{}

func (brokenAudit) RecordInvocation(context.Context, domain.ToolInvocation) error { return errDown }

func TestToolGateAuditFailureIsLoggedNotFatal(t *testing.T) {
	var buf bytes.Buffer
	g := &app.ToolGate{Policy: testToolPolicy(), Audit: brokenAudit{}, Logger: slog.New(slog.NewTextHandler(&buf, nil))}
	g.Record(t.Context(), callerWith("read"), "get_thing", "ok", "", 0, nil)
	if !strings.Contains(buf.String(), "audit write failed") || !strings.Contains(buf.String(), "subject=alice") {
		t.Errorf("log = %q, want the audit failure with the subject", buf.String())
	}
}

func TestRateLimitedErrorMessage(t *testing.T) {
	e := &app.RateLimitedError{Decision: ports.RateDecision{Limit: 5}, RetryAfter: 1500 * time.Millisecond}
	if got, want := e.Error(), "rate limit exceeded: 5 calls per window; retry in 2s"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
