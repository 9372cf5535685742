package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"gatehouse/adapters/ratelimit/memory"
	"gatehouse/app"
	"gatehouse/ports"
)

// oauthLimit allows two requests per IP per endpoint in a window long enough
// that no test run crosses its boundary.
func oauthLimit(trusted ...string) option {
	return func(s *setup) {
		s.deps.Limiter = memory.New()
		s.deps.OAuthLimit = app.RateLimitConfig{Enabled: true, Requests: 2, Window: 1000 * time.Hour}
		s.cfg.TrustedProxies = trusted
	}
}

func tokenFrom(remote, xff string) *http.Request {
	req := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}})
	req.Header.Set("Authorization", basicAuth(confID, confSecret))
	req.RemoteAddr = remote
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	return req
}

func TestTokenEndpointRateLimitedByIP(t *testing.T) {
	e := newEdge(t, oauthLimit())
	for range 2 {
		wantStatus(t, e.do(tokenFrom("203.0.113.5:1111", "")), http.StatusOK)
	}
	rec := e.do(tokenFrom("203.0.113.5:2222", ""))
	wantStatus(t, rec, http.StatusTooManyRequests)
	h := rec.Header()
	if secs, err := strconv.Atoi(h.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After = %q, want whole seconds >= 1", h.Get("Retry-After"))
	}
	if h.Get("RateLimit-Limit") != "2" || h.Get("RateLimit-Remaining") != "0" || h.Get("RateLimit-Reset") == "" {
		t.Errorf("RateLimit headers = limit %q remaining %q reset %q, want 2, 0, set",
			h.Get("RateLimit-Limit"), h.Get("RateLimit-Remaining"), h.Get("RateLimit-Reset"))
	}
	if got := decodeError(t, rec).Error; got != "rate_limited" {
		t.Errorf("error = %q, want rate_limited", got)
	}

	wantStatus(t, e.do(tokenFrom("198.51.100.9:1111", "")), http.StatusOK)

	// Each endpoint has its own count.
	reg := httptest.NewRequest(http.MethodPost, "/auth/register", nil)
	reg.RemoteAddr = "203.0.113.5:3333"
	if rec := e.do(reg); rec.Code == http.StatusTooManyRequests {
		t.Errorf("/auth/register shares the token endpoint's count")
	}
}

func TestForwardedForBelievedOnlyFromTrustedProxies(t *testing.T) {
	tests := []struct {
		name    string
		trusted []string
		// wantLimited: three requests from one peer with three different
		// X-Forwarded-For values hit one count.
		wantLimited bool
	}{
		{name: "no trusted proxies", wantLimited: true},
		{name: "peer is a trusted CIDR", trusted: []string{"10.0.0.0/8"}, wantLimited: false},
		{name: "peer is a trusted address", trusted: []string{"10.0.0.1"}, wantLimited: false},
		{name: "peer is not trusted", trusted: []string{"192.168.0.0/16"}, wantLimited: true},
		{name: "private peer not trusted by default", trusted: []string{"2001:db8::/32"}, wantLimited: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, oauthLimit(tt.trusted...))
			var last int
			for _, client := range []string{"203.0.113.1", "203.0.113.2", "203.0.113.3"} {
				last = e.do(tokenFrom("10.0.0.1:4000", client)).Code
			}
			if limited := last == http.StatusTooManyRequests; limited != tt.wantLimited {
				t.Errorf("third request status %d; limited %v, want %v", last, limited, tt.wantLimited)
			}
		})
	}
}

func TestTrustedProxyCannotBeSpoofedThroughForwardedFor(t *testing.T) {
	e := newEdge(t, oauthLimit("10.0.0.0/8"))
	// The client itself claims to be behind a proxy chain; only the hop the
	// trusted proxy appended counts.
	for range 2 {
		wantStatus(t, e.do(tokenFrom("10.0.0.1:4000", "1.1.1.1, 203.0.113.7")), http.StatusOK)
	}
	wantStatus(t, e.do(tokenFrom("10.0.0.1:4000", "2.2.2.2, 203.0.113.7")), http.StatusTooManyRequests)
}

func TestLimiterFailureFailsClosed(t *testing.T) {
	e := newEdge(t, oauthLimit(), withDeps(func(d *Deps) { d.Limiter = downLimiter{} }))
	rec := e.do(tokenFrom("203.0.113.5:1111", ""))
	wantStatus(t, rec, http.StatusServiceUnavailable)
}

type downLimiter struct{}

func (downLimiter) Allow(context.Context, string, int, time.Duration, time.Time) (ports.RateDecision, error) {
	return ports.RateDecision{}, fmt.Errorf("redis: %w", ports.ErrUnavailable)
}

func TestLimitByIPUsesTheWindowReset(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 10, 0, time.UTC)
	e := echo.New()
	e.IPExtractor = ipExtractor(nil)
	mw := limitByIP(memory.New(), app.RateLimitConfig{Enabled: true, Requests: 1, Window: time.Minute}, "token", func() time.Time { return now }, nil)
	h := mw(func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	call := func() error {
		req := httptest.NewRequest(http.MethodPost, "/auth/token", nil)
		return h(e.NewContext(req, httptest.NewRecorder()))
	}
	if err := call(); err != nil {
		t.Fatalf("first call: %v", err)
	}
	rl, ok := asRateLimited(call())
	if !ok {
		t.Fatal("second call was not rate limited")
	}
	if rl.RetryAfter != 50*time.Second {
		t.Errorf("RetryAfter = %s, want 50s (to the end of the minute)", rl.RetryAfter)
	}
}

func TestLimitByIPDisabled(t *testing.T) {
	tests := map[string]struct {
		limiter ports.RateLimiter
		cfg     app.RateLimitConfig
	}{
		"no limiter": {cfg: app.RateLimitConfig{Enabled: true, Requests: 1, Window: time.Minute}},
		"disabled":   {limiter: memory.New(), cfg: app.RateLimitConfig{Requests: 1, Window: time.Minute}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			e := echo.New()
			h := limitByIP(tt.limiter, tt.cfg, "token", time.Now, nil)(func(c echo.Context) error { return nil })
			for range 3 {
				if err := h(e.NewContext(httptest.NewRequest(http.MethodPost, "/", nil), httptest.NewRecorder())); err != nil {
					t.Fatalf("call refused: %v", err)
				}
			}
		})
	}
}

func TestMoreOAuthEndpointsRateLimitedByIP(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
	}{
		{name: "revoke", req: func() *http.Request {
			return formPost("/auth/revoke", url.Values{"token": {"x"}, "client_id": {publicID}})
		}},
		{name: "introspect", req: func() *http.Request {
			req := formPost("/auth/introspect", url.Values{"token": {"x"}})
			req.Header.Set("Authorization", basicAuth(confID, confSecret))
			return req
		}},
		{name: "consent", req: func() *http.Request {
			return formPost("/auth/consent", url.Values{"decision": {"allow"}, "request_id": {"nope"}})
		}},
		{name: "admin register", req: func() *http.Request {
			return formPost("/auth/register/client", url.Values{"client_name": {"x"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, oauthLimit())
			for i := range 2 {
				req := tt.req()
				req.RemoteAddr = "203.0.113.5:1111"
				if rec := e.do(req); rec.Code == http.StatusTooManyRequests {
					t.Fatalf("request %d limited early", i+1)
				}
			}
			req := tt.req()
			req.RemoteAddr = "203.0.113.5:1111"
			wantStatus(t, e.do(req), http.StatusTooManyRequests)

			other := tt.req()
			other.RemoteAddr = "198.51.100.9:1111"
			if rec := e.do(other); rec.Code == http.StatusTooManyRequests {
				t.Error("another client IP shares the count")
			}
		})
	}
}

func TestRateLimitWindowFollowsDepsClock(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	e := newEdge(t, oauthLimit(), withDeps(func(d *Deps) {
		d.OAuthLimit.Window = time.Minute
		d.Clock = func() time.Time { return now }
	}))
	for range 2 {
		wantStatus(t, e.do(tokenFrom("203.0.113.5:1111", "")), http.StatusOK)
	}
	rec := e.do(tokenFrom("203.0.113.5:1111", ""))
	wantStatus(t, rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After = %q, want 60 (the whole window on the fake clock)", got)
	}
	now = now.Add(time.Minute)
	wantStatus(t, e.do(tokenFrom("203.0.113.5:1111", "")), http.StatusOK)
}
