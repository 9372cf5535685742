package e2e

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// wantRateLimited checks a 429 and its Retry-After and RateLimit headers,
// and returns Retry-After.
func wantRateLimited(t *testing.T, ex exchange, limit int) time.Duration {
	t.Helper()
	if ex.Status != http.StatusTooManyRequests {
		t.Fatalf("want 429\n%s", ex)
	}
	retry, err := strconv.Atoi(ex.Header.Get("Retry-After"))
	if err != nil || retry < 1 {
		t.Errorf("Retry-After %q: want whole seconds >= 1", ex.Header.Get("Retry-After"))
	}
	if got := ex.Header.Get("RateLimit-Limit"); got != strconv.Itoa(limit) {
		t.Errorf("RateLimit-Limit %q, want %d", got, limit)
	}
	if got := ex.Header.Get("RateLimit-Remaining"); got != "0" {
		t.Errorf("RateLimit-Remaining %q, want 0", got)
	}
	if _, err := strconv.Atoi(ex.Header.Get("RateLimit-Reset")); err != nil {
		t.Errorf("RateLimit-Reset %q: want seconds", ex.Header.Get("RateLimit-Reset"))
	}
	return time.Duration(retry) * time.Second
}

// The 101st tool call of a user within the window is refused, on MCP and
// on the REST API alike; other users keep their own allowance.
func TestRateLimitHTTP101stCall(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t, "GATEHOUSE_RATELIMIT__REQUESTS=100", "GATEHOUSE_RATELIMIT__WINDOW=3600s")
	alice := s.tokenFor(t, "alice")
	for i := range 100 {
		if ex := s.callTool(t, alice, "whoami", nil); ex.Status != http.StatusOK {
			t.Fatalf("call %d: want 200\n%s", i+1, ex)
		}
	}
	wantRateLimited(t, s.callTool(t, alice, "whoami", nil), 100)
	wantRateLimited(t, s.execute(t, "/mcp/execute/whoami", alice), 100)
	wantHTTPStatus(t, "bob's first call", s.callTool(t, s.tokenFor(t, "bob"), "whoami", nil), http.StatusOK)
}

// Over stdio the 101st call fails with an error that says why.
func TestRateLimitStdio101stCall(t *testing.T) {
	t.Parallel()
	env := []string{keysEnv(t), "GATEHOUSE_RATELIMIT__REQUESTS=100", "GATEHOUSE_RATELIMIT__WINDOW=3600s"}
	cs, _ := stdioSession(t, "", append(env, "GATEHOUSE_TOKEN="+mintWith(t, env, "alice", "read"))...)
	for i := range 100 {
		if res, err := stdioCall(t, cs, "whoami"); err != nil || res.IsError {
			t.Fatalf("call %d: %v %+v", i+1, err, res)
		}
	}
	res, err := stdioCall(t, cs, "whoami")
	msg := ""
	switch {
	case err != nil:
		msg = err.Error()
	case res.IsError:
		msg = sdkText(res)
	default:
		t.Fatal("the 101st call succeeded")
	}
	if !strings.Contains(strings.ToLower(msg), "rate limit") {
		t.Errorf("101st call: %q, want an error naming the rate limit", msg)
	}
}

// After a refusal, waiting Retry-After seconds is enough, and once the
// window has passed calls are admitted again.
//
// The burst starts 0.7 s into a 2 s window (windows of the memory limiter
// begin at multiples of their length since the Unix epoch), so the refusal
// comes with 1.3 s left: the phase where a Retry-After rounded to the
// nearest second would tell the client to come back too early.
func TestRateLimitWindowResets(t *testing.T) {
	t.Parallel()
	const window = 2 * time.Second
	s := startMCPServer(t, "GATEHOUSE_RATELIMIT__REQUESTS=2", "GATEHOUSE_RATELIMIT__WINDOW=2s")
	alice := s.tokenFor(t, "alice")

	now := time.Now()
	time.Sleep(now.Truncate(window).Add(window + 700*time.Millisecond).Sub(now))
	for i := range 2 {
		if ex := s.callTool(t, alice, "whoami", nil); ex.Status != http.StatusOK {
			t.Fatalf("call %d: want 200\n%s", i+1, ex)
		}
	}
	refused := time.Now()
	retry := wantRateLimited(t, s.callTool(t, alice, "whoami", nil), 2)

	time.Sleep(time.Until(refused.Add(retry)))
	if ex := s.callTool(t, alice, "whoami", nil); ex.Status != http.StatusOK {
		t.Errorf("after waiting Retry-After (%v) the call is still refused: Retry-After understates the wait\n%s", retry, ex)
	}
	time.Sleep(time.Until(refused.Add(window)))
	wantHTTPStatus(t, "a window after the refusal", s.callTool(t, alice, "whoami", nil), http.StatusOK)
}

// The OAuth endpoints are limited per client IP: with a limit of 3, the
// fourth request from the same address is refused whatever it asks.
func TestRateLimitOAuthEndpointsPerIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send func(t *testing.T, s *mcpServer) exchange
	}{
		{"token", func(t *testing.T, s *mcpServer) exchange {
			return s.token(t, url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}}, publicAuth(demoClientID))
		}},
		{"register", func(t *testing.T, s *mcpServer) exchange {
			return s.postJSON(t, "/auth/register", map[string]any{"redirect_uris": []string{"http://localhost:9/cb"}, "token_endpoint_auth_method": "none"}, "")
		}},
		{"authorize", func(t *testing.T, s *mcpServer) exchange {
			return s.get(t, s.URL+"/auth/authorize?client_id=nobody")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startMCPServer(t, "GATEHOUSE_RATELIMIT__OAUTH_REQUESTS=3", "GATEHOUSE_RATELIMIT__OAUTH_WINDOW=3600s")
			for i := range 3 {
				if ex := tt.send(t, s); ex.Status == http.StatusTooManyRequests || ex.Status >= 500 {
					t.Fatalf("request %d: want an answer, not %d\n%s", i+1, ex.Status, ex)
				}
			}
			wantRateLimited(t, tt.send(t, s), 3)
		})
	}
}
