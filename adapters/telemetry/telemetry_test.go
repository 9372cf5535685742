package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// TestNoGlobalProviders: New leaves the OpenTelemetry globals alone, so
// spans started through them go nowhere and nothing else in the process
// picks up Gatehouse's providers by accident.
func TestNoGlobalProviders(t *testing.T) {
	tpType := fmt.Sprintf("%T", otel.GetTracerProvider())
	mpType := fmt.Sprintf("%T", otel.GetMeterProvider())
	tel, exp := newTracing(t)
	_ = newMetrics(t)

	ctx, end := tel.StartSpan(t.Context(), "app.Probe")
	_, global := otel.Tracer("probe").Start(ctx, "global.Probe")
	if global.IsRecording() {
		t.Error("a span from the global tracer records: a global provider was installed")
	}
	global.End()
	carrier := propagation.MapCarrier{}
	otel.GetTextMapPropagator().Inject(ctx, carrier)
	if len(carrier) != 0 {
		t.Errorf("global propagator injected %v: a global propagator was installed", carrier)
	}
	end(nil)

	if got := fmt.Sprintf("%T", otel.GetTracerProvider()); got != tpType {
		t.Errorf("global tracer provider is %s, was %s", got, tpType)
	}
	if got := fmt.Sprintf("%T", otel.GetMeterProvider()); got != mpType {
		t.Errorf("global meter provider is %s, was %s", got, mpType)
	}
	for _, s := range exp.GetSpans() {
		if s.Name == "global.Probe" {
			t.Error("the global tracer's span reached Gatehouse's exporter")
		}
	}
}

// TestOTLPExportsToTracesPath: a base collector URL gets spans POSTed to
// its /v1/traces, and Shutdown flushes the queued batch.
func TestOTLPExportsToTracesPath(t *testing.T) {
	var (
		mu    sync.Mutex
		paths []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()

	tel, err := New(t.Context(), Config{ServiceName: "gatehouse", OTLPEndpoint: srv.URL})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, end := tel.StartSpan(t.Context(), "app.Probe")
	end(nil)
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "POST /v1/traces" {
		t.Errorf("collector saw %q, want a POST /v1/traces", paths)
	}
}

func TestTracesURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"base URL", "http://collector:4318", "http://collector:4318/v1/traces", false},
		{"base URL with slash", "http://collector:4318/", "http://collector:4318/v1/traces", false},
		{"prefix path", "https://gw.example/otlp", "https://gw.example/otlp/v1/traces", false},
		{"full traces URL", "https://gw.example/otlp/v1/traces", "https://gw.example/otlp/v1/traces", false},
		{"no scheme", "collector:4318", "", true},
		{"grpc scheme", "grpc://collector:4317", "", true},
		{"no host", "http://", "", true},
		{"query", "http://collector:4318?x=1", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tracesURL(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("tracesURL(%q) = (%q, %v), want (%q, error %v)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestBadEndpointRefusedWithoutEchoingIt: a misconfigured collector URL
// stops start-up, and the error does not repeat the URL (it may hold a
// credential).
func TestBadEndpointRefusedWithoutEchoingIt(t *testing.T) {
	_, err := New(t.Context(), Config{OTLPEndpoint: "ftp://user:hunter2@collector"})
	if err == nil {
		t.Fatal("New accepted an ftp endpoint")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error %q repeats the endpoint", err)
	}
}

// TestOffIsNoOp: with nothing configured there is no handler and no
// recorder, and spans still carry an incoming trace context through.
func TestOffIsNoOp(t *testing.T) {
	tel, err := New(t.Context(), Config{})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if tel.Handler() != nil || tel.Recorder() != nil {
		t.Error("metrics off, yet a handler or recorder exists")
	}
	req := httptest.NewRequest(http.MethodGet, "/mcp", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	ctx, end := tel.StartHTTPSpan(req, "/mcp")
	out := propagation.MapCarrier{}
	tel.Propagator().Inject(ctx, out)
	end(http.StatusOK)
	if !strings.Contains(out["traceparent"], "4bf92f3577b34da6a3ce929d0e0e4736") {
		t.Errorf("outgoing traceparent %q lost the incoming trace", out["traceparent"])
	}
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestNilTelemetryIsNoOp: components built without telemetry hold a nil
// *Telemetry and call it without checks.
func TestNilTelemetryIsNoOp(t *testing.T) {
	var tel *Telemetry
	ctx := context.Background()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	rctx, end := tel.StartHTTPSpan(req, "/")
	end(200)
	_, endSpan := tel.StartSpan(rctx, "x")
	endSpan(nil)
	_, s := tel.Tracer().Start(ctx, "x")
	s.End()
	if tel.TracerProvider() == nil || tel.MeterProvider() == nil || tel.Propagator() == nil {
		t.Error("nil Telemetry returned a nil provider")
	}
	if tel.Handler() != nil || tel.Recorder() != nil {
		t.Error("nil Telemetry returned a handler or recorder")
	}
	if err := tel.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush: %v", err)
	}
	if err := tel.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// TestShutdownTwice: the composition root may shut down on more than one
// path; the second call repeats the first's result instead of failing.
func TestShutdownTwice(t *testing.T) {
	tel, err := New(t.Context(), Config{Metrics: true, SpanExporter: nil})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Fatalf("first Shutdown: %v", err)
	}
	if err := tel.Shutdown(t.Context()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}
