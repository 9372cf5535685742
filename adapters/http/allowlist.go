package http

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/labstack/echo/v4"

	"gatehouse/domain"
)

// ipAllowlist admits clients by address; empty admits everyone.
type ipAllowlist []netip.Prefix

// parseAllowlist reads IPs and CIDR prefixes; a single IP is a /32 or /128.
// Config has validated every entry, so a bad one is a wiring bug: it panics
// rather than quietly admitting or refusing more than the operator asked.
func parseAllowlist(entries []string) ipAllowlist {
	var l ipAllowlist
	for _, s := range entries {
		if p, err := netip.ParsePrefix(s); err == nil {
			l = append(l, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			panic(fmt.Sprintf("http: server.ip_allowlist entry %q is neither an IP address nor a CIDR prefix", s))
		}
		a = a.WithZone("").Unmap()
		l = append(l, netip.PrefixFrom(a, a.BitLen()))
	}
	return l
}

func (l ipAllowlist) allows(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	a = a.WithZone("").Unmap()
	for _, p := range l {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// middleware refuses clients outside the list. The client IP is c.RealIP(),
// so X-Forwarded-For counts only from trusted proxies. Orchestrator probes
// are exempt: kubelets and load balancers probe from addresses the operator
// does not list.
func (l ipAllowlist) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return l.guard("server.ip_allowlist", func(string) bool { return true })(next)
}

// guard refuses clients outside the list on the paths applies selects; key
// names the list in the log.
func (l ipAllowlist) guard(key string, applies func(path string) bool) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if len(l) == 0 {
			return next
		}
		return func(c echo.Context) error {
			if c.Request().Method == http.MethodGet && (c.Path() == "/healthz" || c.Path() == "/readyz") {
				return next(c)
			}
			if !applies(c.Request().URL.Path) {
				return next(c)
			}
			if ip := c.RealIP(); !l.allows(ip) {
				return domain.ErrAccessDenied("client address is not allowed").
					WithCause(fmt.Errorf("client ip %q is outside %s", ip, key))
			}
			return next(c)
		}
	}
}

// mcpPath is the MCP endpoint and the REST API beside it.
func mcpPath(p string) bool { return p == "/mcp" || strings.HasPrefix(p, "/mcp/") }

// oauthPath is the authorization server: its endpoints, pages and metadata.
func oauthPath(p string) bool {
	return strings.HasPrefix(p, "/auth/") ||
		strings.HasPrefix(p, "/.well-known/oauth-authorization-server") ||
		strings.HasPrefix(p, "/.well-known/openid-configuration")
}
