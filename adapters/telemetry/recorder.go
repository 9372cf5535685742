package telemetry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Bucket bounds, in seconds, sized for what each histogram times: local
// token checks take tens of microseconds, introspection and JWKS fetches
// go over the network, tools may call upstreams.
var (
	validationBuckets = []float64{0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}
	fetchBuckets      = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	toolBuckets       = []float64{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	httpBuckets       = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
)

// Recorder holds Gatehouse's typed instruments. Each method normalises its
// label values (see the package doc) before recording, and every method is
// a no-op on a nil *Recorder, so code built without metrics needs no checks.
type Recorder struct {
	sets          sync.Map // attrKey → metric.MeasurementOption
	auths         metric.Int64Counter
	validation    metric.Float64Histogram
	tokensIssued  metric.Int64Counter
	jwksFetches   metric.Int64Counter
	jwksFetchTime metric.Float64Histogram
	rateLimited   metric.Int64Counter
	oauthErrors   metric.Int64Counter
	toolCalls     metric.Int64Counter
	toolTime      metric.Float64Histogram
	httpRequests  metric.Int64Counter
	httpTime      metric.Float64Histogram
	tools, routes *firstSeen
}

// NewRecorder creates the instruments on mp's "gatehouse" meter. Tests of
// other packages may pass a MeterProvider with a manual reader.
func NewRecorder(mp metric.MeterProvider) (*Recorder, error) {
	m := mp.Meter(instrumentationName)
	r := &Recorder{
		tools:  newFirstSeen(maxToolLabels, maxLabelBytes, "unknown"),
		routes: newFirstSeen(maxRouteLabels, maxRouteBytes, "unmatched"),
	}
	var errs []error
	counter := func(name, desc string) metric.Int64Counter {
		c, err := m.Int64Counter(name, metric.WithDescription(desc))
		errs = append(errs, err)
		return c
	}
	histogram := func(name, desc string, bounds []float64) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(bounds...))
		errs = append(errs, err)
		return h
	}
	r.auths = counter("gatehouse_authentications", "Bearer token authentications by outcome and reason.")
	r.validation = histogram("gatehouse_token_validation", "Time to validate a bearer token.", validationBuckets)
	r.tokensIssued = counter("gatehouse_tokens_issued", "Access tokens issued by grant type.")
	r.jwksFetches = counter("gatehouse_jwks_fetches", "JWKS fetches by result.")
	r.jwksFetchTime = histogram("gatehouse_jwks_fetch", "Time to fetch a JWKS.", fetchBuckets)
	r.rateLimited = counter("gatehouse_ratelimit_rejections", "Requests refused by a rate limit, by scope.")
	r.oauthErrors = counter("gatehouse_oauth_errors", "OAuth error responses by code.")
	r.toolCalls = counter("gatehouse_tool_invocations", "Tool invocations by tool and outcome.")
	r.toolTime = histogram("gatehouse_tool_duration", "Tool run time by outcome.", toolBuckets)
	r.httpRequests = counter("gatehouse_http_requests", "HTTP requests by route pattern and status class.")
	r.httpTime = histogram("gatehouse_http_request_duration", "HTTP request time by route pattern and status class.", httpBuckets)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("telemetry: create instruments: %w", err)
	}
	return r, nil
}

// attrKey names one attribute set: up to two key/value pairs. Every value
// has passed a bounding normaliser, so the memo of sets stays small.
type attrKey struct{ k1, v1, k2, v2 string }

// attrs returns the measurement option for the pairs, built once: an
// attribute set sorts and copies its members, which on every request would
// cost more than the measurement.
func (r *Recorder) attrs(k1, v1, k2, v2 string) metric.MeasurementOption {
	key := attrKey{k1, v1, k2, v2}
	if o, ok := r.sets.Load(key); ok {
		return o.(metric.MeasurementOption)
	}
	kv := []attribute.KeyValue{attribute.String(k1, v1)}
	if k2 != "" {
		kv = append(kv, attribute.String(k2, v2))
	}
	o, _ := r.sets.LoadOrStore(key, metric.WithAttributeSet(attribute.NewSet(kv...)))
	return o.(metric.MeasurementOption)
}

// Authentication records one bearer-token check: outcome is AuthOK,
// AuthRefused or AuthUnavailable; reason is a Reason* constant or an OAuth
// error code (ClassifyAuth derives both from an error).
func (r *Recorder) Authentication(ctx context.Context, outcome, reason string, took time.Duration) {
	if r == nil {
		return
	}
	o := allowed(authOutcomes, outcome)
	r.auths.Add(ctx, 1, r.attrs("outcome", o, "reason", authReason(reason)))
	r.validation.Record(ctx, took.Seconds(), r.attrs("outcome", o, "", ""))
}

// TokenIssued counts one access token issued under grantType.
func (r *Recorder) TokenIssued(ctx context.Context, grantType string) {
	if r == nil {
		return
	}
	r.tokensIssued.Add(ctx, 1, r.attrs("grant_type", allowed(grantTypes, grantType), "", ""))
}

// JWKSFetch records one fetch of a remote key set; err nil means it worked.
func (r *Recorder) JWKSFetch(ctx context.Context, took time.Duration, err error) {
	if r == nil {
		return
	}
	res := "ok"
	if err != nil {
		res = "error"
	}
	a := r.attrs("result", res, "", "")
	r.jwksFetches.Add(ctx, 1, a)
	r.jwksFetchTime.Record(ctx, took.Seconds(), a)
}

// RateLimited counts one request refused by the limit named by scope
// (ScopeTool, ScopeOAuthToken, …).
func (r *Recorder) RateLimited(ctx context.Context, scope string) {
	if r == nil {
		return
	}
	r.rateLimited.Add(ctx, 1, r.attrs("scope", allowed(rateScopes, scope), "", ""))
}

// OAuthError counts one OAuth error response by its RFC code.
func (r *Recorder) OAuthError(ctx context.Context, code string) {
	if r == nil {
		return
	}
	r.oauthErrors.Add(ctx, 1, r.attrs("code", allowed(oauthCodes, code), "", ""))
}

// ToolInvocation records one tool call. The tool name is kept as a label
// for the first 200 distinct names, cut to 64 bytes; the duration
// histogram is by outcome only, to keep its series few.
func (r *Recorder) ToolInvocation(ctx context.Context, tool, outcome string, took time.Duration) {
	if r == nil {
		return
	}
	o := allowed(toolOutcomes, outcome)
	r.toolCalls.Add(ctx, 1, r.attrs("tool", r.tools.label(tool), "outcome", o))
	r.toolTime.Record(ctx, took.Seconds(), r.attrs("outcome", o, "", ""))
}

// HTTPRequest records one served request. route must be the router's
// pattern ("/mcp/execute/:tool"), never the raw path; "" (no route
// matched) is reported as "unmatched".
func (r *Recorder) HTTPRequest(ctx context.Context, route string, status int, took time.Duration) {
	if r == nil {
		return
	}
	a := r.attrs("route", r.routes.label(route), "code_class", codeClass(status))
	r.httpRequests.Add(ctx, 1, a)
	r.httpTime.Record(ctx, took.Seconds(), a)
}
