package telemetry

import (
	"context"
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Span attribute keys, from the OpenTelemetry HTTP semantic conventions.
const (
	attrMethod = attribute.Key("http.request.method")
	attrRoute  = attribute.Key("http.route")
	attrStatus = attribute.Key("http.response.status_code")
)

// StartHTTPSpan starts the server span for r, named "HTTP <METHOD> <route>",
// continuing the W3C trace context in r's traceparent header. route is the
// router's pattern, never the raw path; the query string and headers are
// never recorded. The caller serves the request with the returned context
// and calls end exactly once with the response status, which also records
// the HTTP metrics.
func (t *Telemetry) StartHTTPSpan(r *http.Request, route string) (context.Context, func(status int)) {
	if t == nil {
		return r.Context(), func(int) {}
	}
	start := time.Now()
	ctx := t.propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	if t.sdkTracer == nil {
		// Nothing exports spans: the incoming trace context passes through,
		// and only the request metrics are worth the work.
		return ctx, func(status int) { t.recorder.HTTPRequest(ctx, route, status, time.Since(start)) }
	}
	m := method(r.Method)
	spanRoute := truncate(route, maxRouteBytes)
	name := "HTTP " + m
	if spanRoute != "" {
		name += " " + spanRoute
	}
	ctx, span := t.tracer.Start(ctx, name,
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attrMethod.String(m), attrRoute.String(spanRoute)),
	)
	return ctx, func(status int) {
		span.SetAttributes(attrStatus.Int(status))
		// A server span is an error only when the server failed (semconv):
		// 4xx answers are the client's problem.
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
		t.recorder.HTTPRequest(ctx, route, status, time.Since(start))
	}
}

// StartSpan starts an internal span for a use case, store call or fetch,
// named like "app.ExchangeCode" or "redis.ConsumeAuthCode". end records a
// non-nil error on the span and marks it failed; call it once, typically
// as `defer func() { end(err) }()` with a named error result.
func (t *Telemetry) StartSpan(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, func(err error)) {
	if t == nil || t.sdkTracer == nil {
		return ctx, endNothing
	}
	ctx, span := t.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

func endNothing(error) {}
