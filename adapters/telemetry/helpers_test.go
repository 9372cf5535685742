package telemetry

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// newTracing returns Telemetry exporting spans into memory, without metrics.
func newTracing(t *testing.T) (*Telemetry, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tel, err := New(t.Context(), Config{ServiceName: "gatehouse", ServiceVersion: "test", SpanExporter: exp})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	return tel, exp
}

// newMetrics returns Telemetry with the Prometheus registry and no traces.
func newMetrics(t *testing.T) *Telemetry {
	t.Helper()
	tel, err := New(t.Context(), Config{ServiceName: "gatehouse", ServiceVersion: "test", Metrics: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	return tel
}

// scrape GETs the metrics handler as Prometheus would and parses the text
// exposition, which also proves the output is well formed.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", rec.Code)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(io.Reader(rec.Body))
	if err != nil {
		t.Fatalf("parse exposition: %v\n%s", err, rec.Body.String())
	}
	return fams
}

// labelsOf returns a sample's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	l := map[string]string{}
	for _, lp := range m.GetLabel() {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

// find returns the sample of family name whose labels include want.
func find(fams map[string]*dto.MetricFamily, name string, want map[string]string) (*dto.Metric, bool) {
	f, ok := fams[name]
	if !ok {
		return nil, false
	}
next:
	for _, m := range f.GetMetric() {
		got := labelsOf(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		return m, true
	}
	return nil, false
}

// labelValues collects the distinct values of label key in family name.
func labelValues(fams map[string]*dto.MetricFamily, name, key string) map[string]bool {
	vs := map[string]bool{}
	for _, m := range fams[name].GetMetric() {
		if v, ok := labelsOf(m)[key]; ok {
			vs[v] = true
		}
	}
	return vs
}
