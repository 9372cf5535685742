// Package http is Gatehouse's HTTP edge: the OAuth endpoints, discovery
// documents, login and consent pages, and health checks, on echo. Handlers
// parse the wire form, call a use case and return errors; one error writer
// turns them into responses.
package http

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// Config is what the edge needs to know about where it is served.
type Config struct {
	// BaseURL is the public origin, e.g. http://localhost:8000 (no slash).
	BaseURL string
	// Issuer is the built-in authorization server's issuer identifier.
	Issuer string
	// MCPURL is the canonical MCP endpoint URL (the protected resource).
	MCPURL          string
	SigningAlg      string
	ScopesSupported []string
	// ResourceScopes are the scopes advertised in protected resource metadata
	// and in 401 challenges: the minimum for basic use.
	ResourceScopes          []string
	ResourceName            string
	RegistrationEnabled     bool
	ClientMetadataDocuments bool
	// AllowedOrigins may call /mcp from a browser besides BaseURL's origin.
	AllowedOrigins []string
	// CORSOrigins may read the token endpoints' and /mcp's responses from a
	// browser (and pass /mcp's Origin check); a lone "*" allows any origin.
	CORSOrigins []string
	// IPAllowlist, when not empty, admits only clients inside these IPs or
	// CIDRs (the health probes excepted). Entries must be valid: New panics
	// on one that is not.
	IPAllowlist []string
	// MCPIPAllowlist and OAuthIPAllowlist narrow further: the first for
	// /mcp and the REST API, the second for the authorization server.
	MCPIPAllowlist   []string
	OAuthIPAllowlist []string
	// TrustedProxies are CIDRs whose X-Forwarded-For names the client IP.
	TrustedProxies []string
	// Secure marks cookies Secure with the __Host- prefix (https base URL).
	Secure bool
	Logger *slog.Logger
}

// Authenticator turns a bearer token into a principal.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (domain.Principal, error)
}

// Deps are the use cases behind the edge. Auth is nil when an external
// identity provider issues the tokens.
type Deps struct {
	Auth          *app.AuthServer
	Authenticator Authenticator
	// JWKS returns the public key set document (built-in mode).
	JWKS func(ctx context.Context) ([]byte, error)
	// Ready reports whether the stores are reachable.
	Ready func(ctx context.Context) error
	// ReadyDetails, when set, adds the state of each upstream MCP server
	// to /readyz. An upstream that is down does not make Gatehouse unready:
	// every replica shares it, and its tools answer with an error.
	ReadyDetails func() map[string]string
	// Metrics serves /metrics; nil leaves it unrouted.
	Metrics http.Handler
	// MCP is the Streamable HTTP handler of the MCP server; it expects the
	// caller in the request context. Gate decides tool calls; Sessions are
	// the REST API's sessions. All three nil: /mcp is not served.
	MCP      http.Handler
	Gate     *app.ToolGate
	Sessions *app.Sessions
	// Limiter counts OAuth endpoint requests per client IP; nil: no limit.
	// Observe records OAuth errors and rate-limit rejections, Traces
	// wraps every request in a server span; both may be nil.
	Observe    ports.Metrics
	Traces     HTTPTracer
	Limiter    ports.RateLimiter
	OAuthLimit app.RateLimitConfig
	// Clock times the rate-limit windows; nil is time.Now.
	Clock func() time.Time
}

// Server is the HTTP edge.
// HTTPTracer starts a server span for a request on a route pattern and
// returns the context to serve it in and the function that ends the span
// with the response status.
type HTTPTracer interface {
	StartHTTPSpan(r *http.Request, route string) (context.Context, func(status int))
}

type Server struct {
	cfg     Config
	deps    Deps
	e       *echo.Echo
	log     *slog.Logger
	pages   *template.Template
	origins originPolicy
	cors    corsPolicy
}

// New builds the routes.
func New(cfg Config, deps Deps) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Clock == nil {
		deps.Clock = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	s := &Server{cfg: cfg, deps: deps, e: e, log: cfg.Logger, pages: parsePages(),
		origins: newOriginPolicy(cfg.BaseURL, slices.Concat(cfg.AllowedOrigins, cfg.CORSOrigins)),
		cors:    newCORSPolicy(cfg.CORSOrigins)}
	e.IPExtractor = ipExtractor(cfg.TrustedProxies)
	e.HTTPErrorHandler = s.writeError
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{
		// The id also travels in the request's context, so that every log
		// line written while serving it, in any layer, names it.
		RequestIDHandler: func(c echo.Context, id string) {
			c.SetRequest(c.Request().WithContext(app.WithRequestID(c.Request().Context(), id)))
		},
	}))
	e.Use(s.traced)
	e.Use(s.recoverer)
	e.Use(s.accessLog)
	e.Use(parseAllowlist(cfg.IPAllowlist).middleware)
	e.Use(parseAllowlist(cfg.MCPIPAllowlist).guard("server.mcp_ip_allowlist", mcpPath))
	e.Use(parseAllowlist(cfg.OAuthIPAllowlist).guard("server.oauth_ip_allowlist", oauthPath))
	e.Use(s.securityHeaders)
	// No request needs more than an MCP message; the endpoints that parse
	// bodies set tighter limits of their own.
	e.Use(middleware.BodyLimit(fmt.Sprintf("%dB", maxMCPBody)))

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.readyz)
	if deps.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(deps.Metrics))
	}
	s.discovery("/.well-known/oauth-protected-resource", s.protectedResourceMetadata(false))
	s.discovery("/.well-known/oauth-protected-resource/mcp", s.protectedResourceMetadata(true))
	if deps.Auth != nil {
		s.authRoutes()
	}
	if deps.MCP != nil {
		s.mcpRoutes()
	}
	return s
}

// Echo exposes the router so other edges (MCP) can mount their routes.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

func (s *Server) authRoutes() {
	meta := s.authServerMetadata
	s.discovery("/.well-known/oauth-authorization-server", meta)
	s.discovery("/.well-known/openid-configuration", meta)
	s.discovery("/auth/.well-known/oauth-authorization-server", meta)
	s.discovery("/auth/.well-known/openid-configuration", meta)
	s.discovery("/auth/jwks.json", s.jwks)
	g := s.e.Group("/auth")
	limit := func(name string) echo.MiddlewareFunc {
		return limitByIP(s.deps.Limiter, s.deps.OAuthLimit, name, s.deps.Clock, s.deps.Observe)
	}
	// The pages are for the browser's own navigation, not for scripts: no
	// CORS. The endpoints below them are what browser clients call.
	g.GET("/authorize", s.authorize, limit("authorize"))
	g.POST("/login", s.login, limit("authorize"))
	g.POST("/consent", s.consent, limit("consent"))
	g.POST("/register/client", s.adminRegister, limit("register"))
	cross := func(path string, h echo.HandlerFunc, bucket string) {
		g.OPTIONS(path, s.cors.preflight(http.MethodPost))
		g.POST(path, h, s.cors.middleware, limit(bucket))
	}
	cross("/token", s.token, "token")
	cross("/register", s.register, "register")
	cross("/revoke", s.revoke, "revoke")
	cross("/introspect", s.introspect, "introspect")
}

// discovery serves a public document that any origin may read, preflight
// included: MCP clients send MCP-Protocol-Version when they fetch metadata.
func (s *Server) discovery(path string, h echo.HandlerFunc) {
	public := corsPolicy{anyOrigin: true}
	s.e.GET(path, h)
	s.e.OPTIONS(path, public.preflight(http.MethodGet))
}

func (s *Server) readyz(c echo.Context) error {
	if s.deps.Ready != nil {
		if err := s.deps.Ready(c.Request().Context()); err != nil {
			s.log.WarnContext(c.Request().Context(), "not ready", "error", err)
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		}
	}
	body := map[string]any{"status": "ready"}
	if s.deps.ReadyDetails != nil {
		if d := s.deps.ReadyDetails(); len(d) > 0 {
			body["upstreams"] = d
		}
	}
	return c.JSON(http.StatusOK, body)
}

// recoverer turns a panic into a logged 500 without a stack trace on the wire.
func (s *Server) recoverer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				s.log.ErrorContext(c.Request().Context(), "panic in handler", "panic", r, "path", c.Path())
				err = domain.ErrServerError("internal error")
			}
		}()
		return next(c)
	}
}

// accessLog logs one line per request, never its body, query or headers.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		// Checked first: building the attributes of a line nobody reads is a
		// cost every request would pay.
		if ctx := c.Request().Context(); s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.LogAttrs(ctx, slog.LevelDebug, "request", slog.String("method", c.Request().Method),
				slog.String("path", c.Request().URL.Path), slog.Int("status", c.Response().Status))
		}
		return nil
	}
}

// traced runs the request inside a server span and answers errors here, so
// the span and the request metrics see the status actually sent.
func (s *Server) traced(next echo.HandlerFunc) echo.HandlerFunc {
	if s.deps.Traces == nil {
		return next
	}
	return func(c echo.Context) error {
		ctx, end := s.deps.Traces.StartHTTPSpan(c.Request(), c.Path())
		c.SetRequest(c.Request().WithContext(ctx))
		if err := next(c); err != nil {
			c.Error(err)
		}
		end(c.Response().Status)
		return nil
	}
}

// securityHeaders sets what every response should carry: no MIME sniffing,
// no referrer (URLs may hold codes or state), and under https HSTS, so a
// browser never again tries the token endpoints in clear.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if s.cfg.Secure {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		return next(c)
	}
}
