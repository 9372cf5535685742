package telemetry

import (
	"context"
	"time"

	"gatehouse/ports"
)

var (
	_ ports.Metrics = portMetrics{}
	_ ports.Tracer  = portTracer{}
)

// Metrics is the recorder as the use cases and adapters see it; with
// metrics off it records nothing.
func (t *Telemetry) Metrics() ports.Metrics { return portMetrics{t.Recorder()} }

// Spans is the tracer as the use cases and adapters see it.
func (t *Telemetry) Spans() ports.Tracer { return portTracer{t} }

type portMetrics struct{ r *Recorder }

func (m portMetrics) Authenticated(ctx context.Context, err error, took time.Duration) {
	outcome, reason := ClassifyAuth(err)
	m.r.Authentication(ctx, outcome, reason, took)
}

func (m portMetrics) TokenIssued(ctx context.Context, grantType string) {
	m.r.TokenIssued(ctx, grantType)
}

func (m portMetrics) RateLimited(ctx context.Context, scope string) { m.r.RateLimited(ctx, scope) }

func (m portMetrics) OAuthError(ctx context.Context, code string) { m.r.OAuthError(ctx, code) }

func (m portMetrics) ToolInvoked(ctx context.Context, tool, outcome string, took time.Duration) {
	m.r.ToolInvocation(ctx, tool, outcome, took)
}

func (m portMetrics) JWKSFetched(ctx context.Context, took time.Duration, err error) {
	m.r.JWKSFetch(ctx, took, err)
}

type portTracer struct{ t *Telemetry }

func (p portTracer) Start(ctx context.Context, name string) (context.Context, func(err error)) {
	return p.t.StartSpan(ctx, name)
}
