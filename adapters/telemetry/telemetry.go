package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/attribute"
	promexporter "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName names the tracer and the meter.
const instrumentationName = "gatehouse"

// Config is what the composition root decides about telemetry.
type Config struct {
	ServiceName    string // service.name; "" means "gatehouse"
	ServiceVersion string
	// OTLPEndpoint is the collector's base URL ("http://host:4318"); spans
	// go to its /v1/traces over OTLP/HTTP. "" exports no traces.
	OTLPEndpoint string
	// Metrics builds the Prometheus registry, Handler and Recorder.
	Metrics bool
	// SpanExporter, when set, receives every span synchronously instead of
	// OTLP: for tests (tracetest.NewInMemoryExporter()).
	SpanExporter sdktrace.SpanExporter
}

// Telemetry owns the providers built for one process. Its methods are safe
// on a nil *Telemetry, which behaves as telemetry switched off.
type Telemetry struct {
	sdkTracer  *sdktrace.TracerProvider // nil when no spans are exported
	tp         trace.TracerProvider
	tracer     trace.Tracer
	sdkMeter   *sdkmetric.MeterProvider // nil when Metrics is off
	mp         metric.MeterProvider
	handler    http.Handler
	recorder   *Recorder
	propagator propagation.TextMapPropagator

	shutdownOnce sync.Once
	shutdownErr  error
}

// New builds the providers Config asks for. It never installs them as the
// OpenTelemetry globals nor registers anything with Prometheus' default
// registry; the caller owns the result and must call Shutdown.
func New(ctx context.Context, cfg Config) (*Telemetry, error) {
	name := cfg.ServiceName
	if name == "" {
		name = instrumentationName
	}
	res := resource.NewSchemaless(
		attribute.String("service.name", name),
		attribute.String("service.version", cfg.ServiceVersion),
	)
	t := &Telemetry{
		tp: tracenoop.NewTracerProvider(),
		mp: metricnoop.NewMeterProvider(),
		// Only the W3C trace context is taken from requests: baggage from
		// the internet would be unbounded, caller-chosen data.
		propagator: propagation.TraceContext{},
	}

	var proc sdktrace.SpanProcessor
	switch {
	case cfg.SpanExporter != nil:
		proc = sdktrace.NewSimpleSpanProcessor(cfg.SpanExporter)
	case cfg.OTLPEndpoint != "":
		exp, err := newOTLPExporter(ctx, cfg.OTLPEndpoint)
		if err != nil {
			return nil, err
		}
		proc = sdktrace.NewBatchSpanProcessor(exp)
	}
	if proc != nil {
		t.sdkTracer = sdktrace.NewTracerProvider(
			sdktrace.WithResource(res),
			sdktrace.WithSpanProcessor(proc),
			sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
		)
		t.tp = t.sdkTracer
	}
	t.tracer = t.tp.Tracer(instrumentationName, trace.WithInstrumentationVersion(cfg.ServiceVersion))

	if cfg.Metrics {
		if err := t.buildMetrics(res); err != nil {
			_ = t.Shutdown(ctx)
			return nil, err
		}
	}
	return t, nil
}

func (t *Telemetry) buildMetrics(res *resource.Resource) error {
	reg := promclient.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return fmt.Errorf("telemetry: register go collector: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return fmt.Errorf("telemetry: register process collector: %w", err)
	}
	exp, err := promexporter.New(promexporter.WithRegisterer(reg), promexporter.WithoutScopeInfo())
	if err != nil {
		return fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	t.sdkMeter = sdkmetric.NewMeterProvider(sdkmetric.WithResource(res), sdkmetric.WithReader(exp))
	t.mp = t.sdkMeter
	// ContinueOnError: one failing collector must not blank the whole page.
	t.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	rec, err := NewRecorder(t.mp)
	if err != nil {
		return err
	}
	t.recorder = rec
	return nil
}

// Tracer returns the "gatehouse" tracer.
func (t *Telemetry) Tracer() trace.Tracer {
	if t == nil {
		return tracenoop.NewTracerProvider().Tracer(instrumentationName)
	}
	return t.tracer
}

// TracerProvider is for instrumentation that takes a provider (redisotel,
// bunotel): pass it explicitly, or they fall back to the global one.
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil {
		return tracenoop.NewTracerProvider()
	}
	return t.tp
}

// MeterProvider returns the provider behind the Prometheus exposition, or a
// no-op one when Metrics is off.
func (t *Telemetry) MeterProvider() metric.MeterProvider {
	if t == nil {
		return metricnoop.NewMeterProvider()
	}
	return t.mp
}

// Propagator carries W3C trace context in and out of HTTP headers.
func (t *Telemetry) Propagator() propagation.TextMapPropagator {
	if t == nil {
		return propagation.TraceContext{}
	}
	return t.propagator
}

// Handler serves the private registry in the Prometheus text format; nil
// when Metrics is off.
func (t *Telemetry) Handler() http.Handler {
	if t == nil {
		return nil
	}
	return t.handler
}

// Recorder returns the typed instruments; nil (a no-op Recorder) when
// Metrics is off.
func (t *Telemetry) Recorder() *Recorder {
	if t == nil {
		return nil
	}
	return t.recorder
}

// ForceFlush exports the spans still queued without shutting down.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	if t == nil || t.sdkTracer == nil {
		return nil
	}
	if err := t.sdkTracer.ForceFlush(ctx); err != nil {
		return fmt.Errorf("telemetry: flush spans: %w", err)
	}
	return nil
}

// Shutdown flushes queued spans and stops the providers. Later calls return
// the first call's result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	t.shutdownOnce.Do(func() {
		var errs []error
		if t.sdkTracer != nil {
			if err := t.sdkTracer.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("telemetry: shutdown tracer provider: %w", err))
			}
		}
		if t.sdkMeter != nil {
			if err := t.sdkMeter.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("telemetry: shutdown meter provider: %w", err))
			}
		}
		t.shutdownErr = errors.Join(errs...)
	})
	return t.shutdownErr
}
