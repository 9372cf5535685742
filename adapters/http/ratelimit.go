package http

import (
	"net"
	"time"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/ports"
)

// ipExtractor decides the client IP. X-Forwarded-For is believed only from
// configured proxies; otherwise anyone could pick their own rate-limit key.
func ipExtractor(trusted []string) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	var opts []echo.TrustOption
	opts = append(opts, echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false))
	for _, cidr := range trusted {
		if _, n, err := net.ParseCIDR(cidr); err == nil {
			opts = append(opts, echo.TrustIPRange(n))
		} else if ip := net.ParseIP(cidr); ip != nil {
			bits := 32
			if ip.To4() == nil {
				bits = 128
			}
			opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}))
		}
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// limitByIP counts requests to one OAuth endpoint per client IP.
func limitByIP(limiter ports.RateLimiter, cfg app.RateLimitConfig, endpoint string, now func() time.Time, observe ports.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if limiter == nil || !cfg.Enabled {
			return next
		}
		return func(c echo.Context) error {
			t := now()
			d, err := limiter.Allow(c.Request().Context(), "ip:"+endpoint+":"+c.RealIP(), cfg.Requests, cfg.Window, t)
			if err != nil {
				return err
			}
			if !d.Allowed {
				if observe != nil {
					observe.RateLimited(c.Request().Context(), "oauth_"+endpoint)
				}
				return &app.RateLimitedError{Decision: d, RetryAfter: max(d.Reset.Sub(t), time.Second)}
			}
			return next(c)
		}
	}
}
