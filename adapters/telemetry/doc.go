// Package telemetry builds Gatehouse's OpenTelemetry providers and its
// Prometheus exposition. Nothing here touches the OpenTelemetry or Prometheus
// globals: the composition root calls New, hands the providers, the tracer
// and the Recorder to whoever needs them, serves Handler at /metrics and
// calls Shutdown on exit.
//
// Traces go over OTLP/HTTP when Config.OTLPEndpoint is set (or to
// Config.SpanExporter); otherwise the tracer provider is a no-op that still
// carries an incoming W3C trace context through.
//
// Metrics (Prometheus names; every label value passes a bounded normaliser,
// so no subject, token id, raw path or free text ever becomes a label):
//
//	gatehouse_authentications_total{outcome,reason}      counter: bearer authentications
//	    outcome: ok | refused | unavailable | other
//	    reason:  a Reason* constant (none, missing_token, expired, revoked, …) or an OAuth error code; else other
//	gatehouse_token_validation_seconds{outcome}          histogram: time to validate a bearer token
//	gatehouse_tokens_issued_total{grant_type}            counter: authorization_code | refresh_token | client_credentials | other
//	gatehouse_jwks_fetches_total{result}                 counter: ok | error
//	gatehouse_jwks_fetch_seconds{result}                 histogram: time to fetch a JWKS
//	gatehouse_ratelimit_rejections_total{scope}          counter: tool | oauth_token | oauth_authorize | … | other
//	gatehouse_oauth_errors_total{code}                   counter: RFC 6749/6750/7009/7591/8707 codes, rate_limited; else other
//	gatehouse_tool_invocations_total{tool,outcome}       counter: tool name (at most 200 distinct, 64 bytes), outcome ok | error | denied | rate_limited | other
//	gatehouse_tool_duration_seconds{outcome}             histogram: tool run time
//	gatehouse_http_requests_total{route,code_class}      counter: route pattern (at most 100 distinct), 1xx…5xx
//	gatehouse_http_request_duration_seconds{route,code_class} histogram
//
// The registry also carries the Go runtime (go_*) and process (process_*)
// collectors and OpenTelemetry's target_info with the service name and
// version.
package telemetry
