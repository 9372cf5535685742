package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

const tracesPath = "/v1/traces"

// errEndpoint never quotes the configured value: a collector URL may carry
// credentials.
var errEndpoint = errors.New("telemetry: otlp endpoint must be an absolute http or https URL without query or fragment")

// tracesURL reads endpoint as OTEL_EXPORTER_OTLP_ENDPOINT is read: a base
// URL to which the signal path /v1/traces is appended, unless the URL
// already ends with it.
func tracesURL(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", errEndpoint
	}
	if !strings.HasSuffix(u.Path, tracesPath) {
		u.Path = strings.TrimSuffix(u.Path, "/") + tracesPath
		u.RawPath = ""
	}
	return u.String(), nil
}

func newOTLPExporter(ctx context.Context, endpoint string) (sdktrace.SpanExporter, error) {
	target, err := tracesURL(endpoint)
	if err != nil {
		return nil, err
	}
	// The exporter does not dial here; an unreachable collector shows up
	// as dropped batches, never as a failure of the request being traced.
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(target))
	if err != nil {
		return nil, fmt.Errorf("telemetry: otlp trace exporter: %w", err)
	}
	return exp, nil
}
