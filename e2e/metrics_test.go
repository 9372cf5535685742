package e2e

import (
	"bufio"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// scrape reads /metrics into series "name{labels}" → value.
func scrape(t *testing.T, base string) map[string]float64 {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/metrics", nil)
	ex := do(t, req)
	if ex.Status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", ex.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(ex.Body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err == nil {
			out[line[:i]] = v
		}
	}
	return out
}

// sum adds the series of metric whose labels include every want pair.
func sum(series map[string]float64, metric string, want ...string) float64 {
	var total float64
	for k, v := range series {
		name, labels, _ := strings.Cut(k, "{")
		if name != metric {
			continue
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(labels, w)
		}
		if ok {
			total += v
		}
	}
	return total
}

// Every metric operators alert on moves after the traffic that should move
// it, and no label carries a subject or a token.
func TestMetricsMoveWithTraffic(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t, "GATEHOUSE_RATELIMIT__REQUESTS=2", "GATEHOUSE_RATELIMIT__WINDOW=3600s")
	before := scrape(t, s.URL)

	cc := s.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, demoService())
	if cc.Status != http.StatusOK {
		t.Fatalf("client_credentials: %s", cc)
	}
	tok := s.tokenFor(t, "alice")
	for range 3 { // the third is over the limit of 2
		s.callTool(t, tok, "whoami", nil)
	}
	s.callTool(t, tok+"x", "whoami", nil)
	s.token(t, url.Values{"grant_type": {"client_credentials"}}, basicAuth(demoServiceID, "wrong"))

	after := scrape(t, s.URL)
	moved := func(what, metric string, labels ...string) {
		t.Helper()
		if d := sum(after, metric, labels...) - sum(before, metric, labels...); d <= 0 {
			t.Errorf("%s: %s%v did not move", what, metric, labels)
		}
	}
	moved("token issued", "gatehouse_tokens_issued_total", `grant_type="client_credentials"`)
	moved("successful authentication", "gatehouse_authentications_total", `outcome="ok"`)
	moved("forged token", "gatehouse_authentications_total", `outcome="refused"`)
	moved("validation latency", "gatehouse_token_validation_seconds_count")
	moved("tool call", "gatehouse_tool_invocations_total", `tool="whoami"`, `outcome="ok"`)
	moved("rate limit", "gatehouse_ratelimit_rejections_total", `scope="tool"`)
	moved("OAuth error", "gatehouse_oauth_errors_total", `code="invalid_client"`)
	moved("HTTP requests", "gatehouse_http_requests_total", `route="/mcp"`)
	for k := range after {
		if strings.Contains(k, "alice") || strings.Contains(k, tok[:20]) {
			t.Errorf("a series carries a subject or token: %s", k)
		}
	}
}

// In external mode, fetches of the provider's key set are counted.
func TestMetricsCountJWKSFetches(t *testing.T) {
	p := startIDP(t)
	s := startExternal(t, p)
	if ex := s.callTool(t, p.token(t, "read"), "whoami", nil); ex.Status != http.StatusOK {
		t.Fatalf("whoami: %d %s", ex.Status, ex.Body)
	}
	if n := sum(scrape(t, s.URL), "gatehouse_jwks_fetches_total", `result="ok"`); n < 1 {
		t.Errorf("gatehouse_jwks_fetches_total{result=ok} = %v, want at least 1", n)
	}
}
