package http

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

const (
	// corsAllowHeaders are what browser OAuth and MCP clients send.
	corsAllowHeaders = "Authorization, Content-Type, Mcp-Session-Id, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Last-Event-ID"
	// corsExposeHeaders: a browser client must read the session id, the
	// bearer challenge that starts the OAuth flow and the rate-limit answer.
	corsExposeHeaders = "Mcp-Session-Id, WWW-Authenticate, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset"
	corsMaxAge        = "600"
)

// corsPolicy decides which browser origins may read responses of the token
// endpoints and /mcp. It never allows credentials: these routes
// authenticate by the Authorization header, which a page sets itself, not
// by cookies, so a cross-site page gains nothing the user's browser holds.
type corsPolicy struct {
	// anyOrigin: a "*" entry; answered with a literal "*".
	anyOrigin bool
	origins   map[string]bool // originKey form
}

func newCORSPolicy(origins []string) corsPolicy {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		if o == "*" {
			p.anyOrigin = true
		} else if k, ok := originKey(o); ok {
			p.origins[k] = true
		}
	}
	return p
}

// allowOrigin is the Access-Control-Allow-Origin value for a request's
// Origin, or "" when that origin may not read the response.
func (p corsPolicy) allowOrigin(origin string) string {
	if origin == "" {
		return ""
	}
	if p.anyOrigin {
		return "*"
	}
	if k, ok := originKey(origin); ok && p.origins[k] {
		return origin
	}
	return ""
}

// vary marks a response that depends on the Origin: with an origin list the
// answer differs per origin, and a shared cache must not mix them up.
func (p corsPolicy) vary(h http.Header) {
	if !p.anyOrigin {
		h.Add("Vary", "Origin")
	}
}

// preflight answers OPTIONS for a route serving methods. It needs no bearer
// token: a browser sends none with a preflight. A refused origin gets no
// Access-Control-* headers, which is how a browser learns of the refusal.
func (p corsPolicy) preflight(methods ...string) echo.HandlerFunc {
	allow := strings.Join(slices.Concat(methods, []string{http.MethodOptions}), ", ")
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Allow", allow)
		p.vary(h)
		if o := p.allowOrigin(c.Request().Header.Get("Origin")); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Allow-Methods", allow)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// middleware adds the CORS headers to an actual request's response. It runs
// before the handler so error responses (401, 429) carry them too: a
// browser client must read the challenge to start the OAuth flow.
func (p corsPolicy) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		p.vary(h)
		if o := p.allowOrigin(c.Request().Header.Get("Origin")); o != "" {
			h.Set("Access-Control-Allow-Origin", o)
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		return next(c)
	}
}
