package telemetry

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func attrMap(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

func spanNamed(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	var names []string
	for _, s := range spans {
		names = append(names, s.Name)
	}
	t.Fatalf("no span %q among %q", name, names)
	return tracetest.SpanStub{}
}

// TestHTTPSpanParentsUseCaseSpan: a use case started under the request's
// context is the HTTP span's child in the same trace, and the server span
// carries method, route and status but never the raw path or query.
func TestHTTPSpanParentsUseCaseSpan(t *testing.T) {
	tel, exp := newTracing(t)
	req := httptest.NewRequest(http.MethodPost, "/mcp/execute/echo?access_token=secret", nil)
	req.Header.Set("Authorization", "Bearer secret")

	ctx, end := tel.StartHTTPSpan(req, "/mcp/execute/:tool")
	_, endUse := tel.StartSpan(ctx, "app.RunTool", attribute.String("tool", "echo"))
	endUse(nil)
	end(http.StatusOK)

	spans := exp.GetSpans()
	server := spanNamed(t, spans, "HTTP POST /mcp/execute/:tool")
	child := spanNamed(t, spans, "app.RunTool")
	if server.SpanKind != trace.SpanKindServer {
		t.Errorf("server span kind = %v, want server", server.SpanKind)
	}
	if child.Parent.SpanID() != server.SpanContext.SpanID() || child.SpanContext.TraceID() != server.SpanContext.TraceID() {
		t.Errorf("use-case span parent = %v, want the HTTP span %v", child.Parent.SpanID(), server.SpanContext.SpanID())
	}
	a := attrMap(server)
	if got := a["http.request.method"].AsString(); got != "POST" {
		t.Errorf("http.request.method = %q, want POST", got)
	}
	if got := a["http.route"].AsString(); got != "/mcp/execute/:tool" {
		t.Errorf("http.route = %q, want the pattern", got)
	}
	if got := a["http.response.status_code"].AsInt64(); got != 200 {
		t.Errorf("http.response.status_code = %d, want 200", got)
	}
	if got := attrMap(child)["tool"].AsString(); got != "echo" {
		t.Errorf("use-case span tool = %q, want echo", got)
	}
	for _, s := range spans {
		for _, kv := range s.Attributes {
			if strings.Contains(kv.Value.String(), "secret") {
				t.Errorf("span %q attribute %s leaks the query or a header", s.Name, kv.Key)
			}
		}
	}
}

// TestHTTPSpanContinuesTraceparent: a caller's W3C trace context is
// honoured, so Gatehouse's spans join the caller's trace.
func TestHTTPSpanContinuesTraceparent(t *testing.T) {
	tel, exp := newTracing(t)
	req := httptest.NewRequest(http.MethodGet, "/mcp", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")

	_, end := tel.StartHTTPSpan(req, "/mcp")
	end(http.StatusOK)

	s := spanNamed(t, exp.GetSpans(), "HTTP GET /mcp")
	if got := s.SpanContext.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("trace id = %s, want the caller's", got)
	}
	if got := s.Parent.SpanID().String(); got != "00f067aa0ba902b7" || !s.Parent.IsRemote() {
		t.Errorf("parent = %s (remote %v), want the caller's span 00f067aa0ba902b7", got, s.Parent.IsRemote())
	}
}

// TestSpanStatus: a server span fails on 5xx only (a 4xx is the client's
// doing); an internal span fails when its end gets an error.
func TestSpanStatus(t *testing.T) {
	tel, exp := newTracing(t)
	for _, status := range []int{404, 503} {
		_, end := tel.StartHTTPSpan(httptest.NewRequest(http.MethodGet, "/x", nil), "/x")
		end(status)
	}
	_, end := tel.StartSpan(t.Context(), "redis.ConsumeAuthCode")
	end(errors.New("redis: connection refused"))
	_, end = tel.StartSpan(t.Context(), "redis.GetClient")
	end(nil)

	spans := exp.GetSpans()
	want := []codes.Code{codes.Unset, codes.Error, codes.Error, codes.Unset}
	if len(spans) != len(want) {
		t.Fatalf("%d spans, want %d", len(spans), len(want))
	}
	for i, s := range spans {
		if s.Status.Code != want[i] {
			t.Errorf("span %d %q status = %v, want %v", i, s.Name, s.Status.Code, want[i])
		}
	}
	if n := len(spans[2].Events); n != 1 || spans[2].Events[0].Name != "exception" {
		t.Errorf("failed internal span events = %v, want one exception", spans[2].Events)
	}
}

// TestHTTPSpanBoundsMethodAndRoute: an invented method does not mint a span
// name, and an unmatched request (no route) is named by method alone.
func TestHTTPSpanBoundsMethodAndRoute(t *testing.T) {
	tel, exp := newTracing(t)
	_, end := tel.StartHTTPSpan(httptest.NewRequest("BREW", "/coffee", nil), "")
	end(http.StatusMethodNotAllowed)
	s := spanNamed(t, exp.GetSpans(), "HTTP _OTHER")
	if got := attrMap(s)["http.request.method"].AsString(); got != "_OTHER" {
		t.Errorf("http.request.method = %q, want _OTHER", got)
	}
}

// TestHTTPSpanRecordsRequestMetric: ending the span counts the request
// under its route pattern and status class.
func TestHTTPSpanRecordsRequestMetric(t *testing.T) {
	tel := newMetrics(t)
	_, end := tel.StartHTTPSpan(httptest.NewRequest(http.MethodPost, "/auth/token", nil), "/auth/token")
	end(http.StatusBadRequest)
	m, ok := find(scrape(t, tel.Handler()), "gatehouse_http_requests_total", map[string]string{"route": "/auth/token", "code_class": "4xx"})
	if !ok || m.GetCounter().GetValue() != 1 {
		t.Errorf("gatehouse_http_requests_total{route=/auth/token,code_class=4xx} = %v (exposed %v), want 1", m.GetCounter().GetValue(), ok)
	}
}
