package app

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// RateLimitConfig is the per-subject limit on tool calls.
type RateLimitConfig struct {
	Enabled  bool
	Requests int
	Window   time.Duration
}

// ToolGate decides every tool call the same way on every transport: scope
// policy first, then the caller's rate limit, and it writes the audit trail.
type ToolGate struct {
	Policy    domain.ToolPolicy
	RateLimit RateLimitConfig
	Limiter   ports.RateLimiter // nil when RateLimit is off
	Audit     ports.AuditSink
	// AuditArguments records argument values; off, only their names.
	AuditArguments bool
	Clock          ports.Clock
	Logger         *slog.Logger
	// Metrics and Tracer observe the decisions; nil observes nothing.
	Metrics ports.Metrics
	Tracer  ports.Tracer
}

// RateLimitedError says a caller is over its limit; Decision carries the
// numbers for RateLimit headers.
type RateLimitedError struct {
	Decision   ports.RateDecision
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limit exceeded: %d calls per window; retry in %ds", e.Decision.Limit, e.RetryAfterSeconds())
}

// RetryAfterSeconds rounds the wait up: a client told to come back after a
// rounded-down wait would arrive before the window ends and be refused again.
func (e *RateLimitedError) RetryAfterSeconds() int {
	return int((e.RetryAfter + time.Second - 1) / time.Second)
}

func (g *ToolGate) now() time.Time {
	if g.Clock == nil {
		return time.Now()
	}
	return g.Clock()
}

// Visible reports whether the principal may call the tool; tools/list shows
// only those.
func (g *ToolGate) Visible(p domain.Principal, tool string) bool {
	ok, _ := g.Policy.Allows(tool, p.Scopes)
	return ok
}

// Required returns every scope a call to tool needs.
func (g *ToolGate) Required(tool string) domain.Scopes { return g.Policy.Required(tool) }

// Admit decides whether the caller may call tool now and counts the call
// against its rate limit. It returns an insufficient_scope *domain.OAuthError
// naming every scope the call needs (so one step-up suffices), a
// *RateLimitedError, or an error wrapping ports.ErrUnavailable when the
// limiter cannot be reached (the call must then be refused). Refusals are
// audited here.
func (g *ToolGate) Admit(ctx context.Context, c Caller, tool string) (err error) {
	ctx, end := tracerOr(g.Tracer).Start(ctx, "policy "+tool)
	defer func() { end(err) }()
	if ok, _ := g.Policy.Allows(tool, c.Principal.Scopes); !ok {
		need := g.Policy.Required(tool)
		g.Record(ctx, c, tool, "denied", "insufficient_scope: needs "+need.String(), 0, nil)
		return domain.ErrInsufficientScope("tool "+tool+" needs scope "+need.String(), need)
	}
	if !g.RateLimit.Enabled || g.Limiter == nil {
		return nil
	}
	now := g.now()
	d, err := g.Limiter.Allow(ctx, "tools:"+c.Principal.Subject, g.RateLimit.Requests, g.RateLimit.Window, now)
	if err != nil {
		g.Record(ctx, c, tool, "error", "rate limiter unavailable", 0, nil)
		return fmt.Errorf("rate limit: %w", err)
	}
	if !d.Allowed {
		metricsOr(g.Metrics).RateLimited(ctx, "tool")
		g.Record(ctx, c, tool, "rate_limited", "over the per-subject limit", 0, nil)
		return &RateLimitedError{Decision: d, RetryAfter: max(d.Reset.Sub(now), time.Second)}
	}
	return nil
}

// Record writes one invocation to the audit trail. Failing to audit is
// logged, not fatal: the call has already happened.
func (g *ToolGate) Record(ctx context.Context, c Caller, tool, outcome, reason string, took time.Duration, args map[string]any) {
	metricsOr(g.Metrics).ToolInvoked(ctx, tool, outcome, took)
	if g.Audit == nil {
		return
	}
	inv := domain.ToolInvocation{
		At: g.now(), Subject: c.Principal.Subject, ClientID: c.Principal.ClientID, Tool: tool,
		Transport: c.Transport, Outcome: outcome, Reason: reason, Duration: took,
	}
	if len(args) > 0 {
		inv.Arguments = map[string]any{}
		if g.AuditArguments {
			maps.Copy(inv.Arguments, args)
		} else {
			for k := range args {
				inv.Arguments[k] = "[redacted]"
			}
		}
	}
	if err := g.Audit.RecordInvocation(ctx, inv); err != nil && g.Logger != nil {
		g.Logger.WarnContext(ctx, "audit write failed", "tool", tool, "subject", c.Principal.Subject, "error", err)
	}
}
