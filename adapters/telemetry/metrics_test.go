package telemetry

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	promclient "github.com/prometheus/client_golang/prometheus"
)

// TestMetricsExposedAndCounted calls each Recorder method twice and reads
// the Prometheus page: every metric is there under its documented name,
// and each counter reads 2 with the labels the call asked for.
func TestMetricsExposedAndCounted(t *testing.T) {
	tel := newMetrics(t)
	r := tel.Recorder()
	ctx := t.Context()
	for range 2 {
		r.Authentication(ctx, AuthRefused, ReasonExpired, time.Millisecond)
		r.TokenIssued(ctx, "client_credentials")
		r.JWKSFetch(ctx, 20*time.Millisecond, errors.New("connection refused"))
		r.RateLimited(ctx, ScopeOAuthToken)
		r.OAuthError(ctx, "invalid_grant")
		r.ToolInvocation(ctx, "echo", ToolOK, 3*time.Millisecond)
		r.HTTPRequest(ctx, "/mcp/execute/:tool", 201, 4*time.Millisecond)
	}
	fams := scrape(t, tel.Handler())

	counters := []struct {
		name   string
		labels map[string]string
	}{
		{"gatehouse_authentications_total", map[string]string{"outcome": "refused", "reason": "expired"}},
		{"gatehouse_tokens_issued_total", map[string]string{"grant_type": "client_credentials"}},
		{"gatehouse_jwks_fetches_total", map[string]string{"result": "error"}},
		{"gatehouse_ratelimit_rejections_total", map[string]string{"scope": "oauth_token"}},
		{"gatehouse_oauth_errors_total", map[string]string{"code": "invalid_grant"}},
		{"gatehouse_tool_invocations_total", map[string]string{"tool": "echo", "outcome": "ok"}},
		{"gatehouse_http_requests_total", map[string]string{"route": "/mcp/execute/:tool", "code_class": "2xx"}},
	}
	for _, c := range counters {
		m, ok := find(fams, c.name, c.labels)
		if !ok {
			t.Errorf("%s%v: not exposed", c.name, c.labels)
			continue
		}
		if got := m.GetCounter().GetValue(); got != 2 {
			t.Errorf("%s%v = %v, want 2", c.name, c.labels, got)
		}
	}

	histograms := []struct {
		name   string
		labels map[string]string
	}{
		{"gatehouse_token_validation_seconds", map[string]string{"outcome": "refused"}},
		{"gatehouse_jwks_fetch_seconds", map[string]string{"result": "error"}},
		{"gatehouse_tool_duration_seconds", map[string]string{"outcome": "ok"}},
		{"gatehouse_http_request_duration_seconds", map[string]string{"route": "/mcp/execute/:tool", "code_class": "2xx"}},
	}
	for _, h := range histograms {
		m, ok := find(fams, h.name, h.labels)
		if !ok {
			t.Errorf("%s%v: not exposed", h.name, h.labels)
			continue
		}
		if got := m.GetHistogram().GetSampleCount(); got != 2 {
			t.Errorf("%s%v count = %d, want 2", h.name, h.labels, got)
		}
	}
	for _, name := range []string{"go_goroutines", "target_info"} {
		if _, ok := fams[name]; !ok {
			t.Errorf("%s: not exposed", name)
		}
	}
}

// TestLabelsOutsideAllowListsAreOther: values a caller or client could make
// up (a free-text reason, an invented error code, a made-up grant type or
// scope, an unknown outcome) never reach the page as themselves.
func TestLabelsOutsideAllowListsAreOther(t *testing.T) {
	tel := newMetrics(t)
	r := tel.Recorder()
	ctx := t.Context()
	r.Authentication(ctx, "maybe", "token for alice@example.com expired", time.Millisecond)
	r.OAuthError(ctx, "not_a_real_code")
	r.TokenIssued(ctx, "password")
	r.RateLimited(ctx, "ip:token:203.0.113.9")
	r.ToolInvocation(ctx, "echo", "exploded", time.Millisecond)
	r.HTTPRequest(ctx, "/x", 999, time.Millisecond)
	fams := scrape(t, tel.Handler())

	cases := []struct {
		name   string
		labels map[string]string
	}{
		{"gatehouse_authentications_total", map[string]string{"outcome": "other", "reason": "other"}},
		{"gatehouse_oauth_errors_total", map[string]string{"code": "other"}},
		{"gatehouse_tokens_issued_total", map[string]string{"grant_type": "other"}},
		{"gatehouse_ratelimit_rejections_total", map[string]string{"scope": "other"}},
		{"gatehouse_tool_invocations_total", map[string]string{"tool": "echo", "outcome": "other"}},
		{"gatehouse_http_requests_total", map[string]string{"route": "/x", "code_class": "other"}},
	}
	for _, c := range cases {
		if _, ok := find(fams, c.name, c.labels); !ok {
			t.Errorf("%s%v: not exposed", c.name, c.labels)
		}
	}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			for k, v := range labelsOf(m) {
				if strings.Contains(v, "alice") || strings.Contains(v, "203.0.113.9") {
					t.Errorf("%s label %s=%q leaks caller data", f.GetName(), k, v)
				}
			}
		}
	}
}

// TestOAuthCodesKept: every code the project's domain defines is kept as
// itself, so the allow-list cannot silently fall behind domain/errors.go.
func TestOAuthCodesKept(t *testing.T) {
	tel := newMetrics(t)
	r := tel.Recorder()
	codes := []string{
		"invalid_request", "invalid_client", "invalid_grant", "unauthorized_client",
		"unsupported_grant_type", "unsupported_response_type", "invalid_scope", "invalid_target",
		"access_denied", "server_error", "temporarily_unavailable", "invalid_redirect_uri",
		"invalid_client_metadata", "invalid_token", "insufficient_scope", "unsupported_token_type",
		"login_required", "rate_limited",
	}
	for _, c := range codes {
		r.OAuthError(t.Context(), c)
	}
	got := labelValues(scrape(t, tel.Handler()), "gatehouse_oauth_errors_total", "code")
	for _, c := range codes {
		if !got[c] {
			t.Errorf("code %q reported as other", c)
		}
	}
}

// TestToolLabelsCapped: a flood of distinct tool names (say, a client
// probing made-up tools) adds at most maxToolLabels series plus "other",
// and long names are cut.
func TestToolLabelsCapped(t *testing.T) {
	tel := newMetrics(t)
	r := tel.Recorder()
	for i := range 1000 {
		r.ToolInvocation(t.Context(), fmt.Sprintf("tool-%d-%s", i, strings.Repeat("x", 100)), ToolError, 0)
	}
	got := labelValues(scrape(t, tel.Handler()), "gatehouse_tool_invocations_total", "tool")
	if len(got) > maxToolLabels+1 {
		t.Errorf("%d distinct tool labels, want at most %d", len(got), maxToolLabels+1)
	}
	if !got[Other] {
		t.Errorf("names past the cap not reported as %q", Other)
	}
	for v := range got {
		if len(v) > maxLabelBytes {
			t.Errorf("tool label %d bytes long, want at most %d", len(v), maxLabelBytes)
		}
	}
}

// TestDefaultRegistryUntouched: the exporter and collectors live on the
// private registry only, so two Telemetry values (tests, or a restart in
// process) never collide on Prometheus' global one.
func TestDefaultRegistryUntouched(t *testing.T) {
	a, b := newMetrics(t), newMetrics(t)
	a.Recorder().TokenIssued(t.Context(), "refresh_token")
	b.Recorder().TokenIssued(t.Context(), "refresh_token")
	fams, err := promclient.DefaultGatherer.Gather()
	if err != nil {
		t.Fatalf("gather default registry: %v", err)
	}
	for _, f := range fams {
		if strings.HasPrefix(f.GetName(), "gatehouse_") {
			t.Errorf("default registry holds %s", f.GetName())
		}
	}
}

// TestNilRecorderIsNoOp: code handed a nil *Recorder (metrics off) calls it
// without checks.
func TestNilRecorderIsNoOp(t *testing.T) {
	var r *Recorder
	ctx := context.Background()
	r.Authentication(ctx, AuthOK, ReasonNone, time.Millisecond)
	r.TokenIssued(ctx, "authorization_code")
	r.JWKSFetch(ctx, time.Millisecond, nil)
	r.RateLimited(ctx, ScopeTool)
	r.OAuthError(ctx, "invalid_grant")
	r.ToolInvocation(ctx, "echo", ToolOK, time.Millisecond)
	r.HTTPRequest(ctx, "/mcp", 200, time.Millisecond)
}
