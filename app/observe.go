package app

import (
	"context"
	"time"

	"gatehouse/ports"
)

// noMetrics and noTracer stand in when telemetry is not wired, so the use
// cases record unconditionally.
type noMetrics struct{}

func (noMetrics) Authenticated(context.Context, error, time.Duration)        {}
func (noMetrics) TokenIssued(context.Context, string)                        {}
func (noMetrics) RateLimited(context.Context, string)                        {}
func (noMetrics) OAuthError(context.Context, string)                         {}
func (noMetrics) ToolInvoked(context.Context, string, string, time.Duration) {}
func (noMetrics) JWKSFetched(context.Context, time.Duration, error)          {}

type noTracer struct{}

func (noTracer) Start(ctx context.Context, _ string) (context.Context, func(error)) {
	return ctx, func(error) {}
}

func metricsOr(m ports.Metrics) ports.Metrics {
	if m == nil {
		return noMetrics{}
	}
	return m
}

func tracerOr(t ports.Tracer) ports.Tracer {
	if t == nil {
		return noTracer{}
	}
	return t
}
