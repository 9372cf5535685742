package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	httpedge "gatehouse/adapters/http"
	"gatehouse/app"
	"gatehouse/config"
)

func runServe(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr)
	sys, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.close()

	tools, err := sys.startTools(ctx)
	if err != nil {
		return err
	}
	defer tools.closeGateway()
	edge := newEdge(sys, tools)

	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen: %w", err)
	}
	// Request contexts derive from base, which ends shortly after shutdown
	// begins: ordinary requests finish in that grace, while long-lived MCP
	// event streams (legacy GET), which never end on their own, are closed
	// instead of holding Shutdown until its timeout.
	base, endRequests := context.WithCancel(context.Background())
	defer endRequests()
	srv := &http.Server{
		Handler:           edge,
		BaseContext:       func(net.Listener) context.Context { return base },
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	var unused unusedConns
	srv.ConnState = unused.track
	printBanner(stdout, sys, ln.Addr().String())
	issuer := cfg.Issuer()
	if cfg.Auth.Mode == "external" {
		issuer = cfg.Auth.External.IssuerURL
	}
	log.Info("serving", "listen", ln.Addr().String(), "base_url", cfg.Server.BaseURL, "issuer", issuer,
		"store", cfg.Store.Driver, "auth_mode", cfg.Auth.Mode, "dev", cfg.Dev)

	stopBackground := sys.startBackground(ctx)
	defer stopBackground()
	errc := make(chan error, 1)
	go func() {
		if cfg.Server.TLS.CertFile != "" {
			errc <- srv.ServeTLS(ln, cfg.Server.TLS.CertFile, cfg.Server.TLS.KeyFile)
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	srv.RegisterOnShutdown(func() {
		unused.closeAll()
		time.AfterFunc(min(cfg.Server.ShutdownTimeout/2, 2*time.Second), endRequests)
	})
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("connections still open at the shutdown deadline; closing them", "error", err)
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newEdge builds the HTTP edge over the system and its tools, as serve
// runs it; the benchmarks drive the same handler in process.
func newEdge(sys *system, tools *toolStack) *httpedge.Server {
	cfg := sys.cfg
	b := cfg.Auth.Builtin
	issuer, jwks := cfg.Issuer(), (func(context.Context) ([]byte, error))(nil)
	if sys.keys != nil {
		jwks = sys.keys.PublicJWKS
	}
	if sys.ext != nil {
		issuer = cfg.Auth.External.IssuerURL
	}
	return httpedge.New(httpedge.Config{
		BaseURL:                 cfg.Server.BaseURL,
		Issuer:                  issuer,
		MCPURL:                  cfg.MCPURL(),
		SigningAlg:              b.SigningAlg,
		ScopesSupported:         b.Scopes,
		ResourceScopes:          cfg.Tools.DefaultScopes,
		ResourceName:            "Gatehouse MCP",
		RegistrationEnabled:     b.Registration.Policy != "off",
		ClientMetadataDocuments: b.ClientMetadata.Enabled,
		AllowedOrigins:          cfg.Server.AllowedOrigins,
		CORSOrigins:             cfg.Server.CORSOrigins,
		IPAllowlist:             cfg.Server.IPAllowlist,
		MCPIPAllowlist:          cfg.Server.MCPIPAllowlist,
		OAuthIPAllowlist:        cfg.Server.OAuthIPAllowlist,
		TrustedProxies:          cfg.Server.TrustedProxies,
		Secure:                  strings.HasPrefix(cfg.Server.BaseURL, "https://"),
		Logger:                  sys.log,
	}, httpedge.Deps{
		Auth:          sys.auth,
		Authenticator: sys.authn,
		JWKS:          jwks,
		Ready:         sys.ready,
		ReadyDetails:  tools.upstreamStatus,
		Metrics:       sys.tel.Handler(),
		Observe:       sys.tel.Metrics(),
		Traces:        sys.tel,
		MCP:           tools.server.HTTPHandler(),
		Gate:          tools.gate,
		Sessions:      tools.sessions,
		Limiter:       tools.limiter,
		OAuthLimit: app.RateLimitConfig{
			Enabled: cfg.RateLimit.Enabled, Requests: cfg.RateLimit.OAuthRequests, Window: cfg.RateLimit.OAuthWindow,
		},
	})
}

func printBanner(w io.Writer, sys *system, addr string) {
	cfg := sys.cfg
	base := cfg.Server.BaseURL
	if cfg.Dev && sys.ext == nil {
		fmt.Fprintln(w, "==================================================================")
		fmt.Fprintln(w, " DEVELOPMENT MODE: demo users and clients, not for production use")
		fmt.Fprintln(w, "==================================================================")
	}
	fmt.Fprintf(w, "Gatehouse %s listening on %s\n", version, addr)
	fmt.Fprintf(w, "  base URL:       %s\n", base)
	fmt.Fprintf(w, "  MCP endpoint:   %s\n", cfg.MCPURL())
	if sys.ext != nil {
		e := cfg.Auth.External
		fmt.Fprintf(w, "  auth mode:      external identity provider\n")
		fmt.Fprintf(w, "  issuer:         %s\n", e.IssuerURL)
		fmt.Fprintf(w, "  audience:       %s\n", cfg.Audience())
		if len(e.RequiredScopes) > 0 {
			fmt.Fprintf(w, "  required scope: %s\n", strings.Join(e.RequiredScopes, " "))
		}
		fmt.Fprintf(w, "  metadata:       %s/.well-known/oauth-protected-resource/mcp\n", base)
		return
	}
	fmt.Fprintf(w, "  issuer:         %s\n", cfg.Issuer())
	fmt.Fprintf(w, "  metadata:       %s/.well-known/oauth-authorization-server\n", base)
	fmt.Fprintf(w, "  authorize:      %s/auth/authorize\n", base)
	fmt.Fprintf(w, "  token:          %s/auth/token\n", base)
	fmt.Fprintf(w, "  JWKS:           %s/auth/jwks.json\n", base)
	for _, d := range sys.demo {
		if d.Secret != "" {
			fmt.Fprintf(w, "  demo %s client: %s (secret %s)\n", d.Kind, d.ID, d.Secret)
		} else {
			fmt.Fprintf(w, "  demo %s client: %s\n", d.Kind, d.ID)
		}
	}
	if cfg.Dev {
		fmt.Fprintln(w, "  demo users:     alice/password (read write), bob/password (read), admin/password (read write admin)")
	}
}

// ready reports whether requests can be served: the store answers and, in
// external mode, a usable key set is held.
func (sys *system) ready(ctx context.Context) error {
	if err := sys.stores.Pinger.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if sys.ext != nil {
		if err := sys.ext.Ready(ctx); err != nil {
			return fmt.Errorf("identity provider: %w", err)
		}
	}
	return nil
}

// startBackground starts what keeps the system current while it serves:
// signing-key reload and rotation, the identity provider's key refresh, and
// store housekeeping. The returned function stops them and waits.
func (sys *system) startBackground(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	if sys.keys != nil {
		wg.Go(func() { sys.maintainKeys(ctx, sys.cfg.Auth.Builtin.KeyRotationInterval) })
	}
	if sys.ext != nil {
		wg.Go(func() { sys.ext.Start(ctx) })
	}
	if sys.backend.housekeep != nil {
		wg.Go(func() { sys.backend.housekeep(ctx) })
	}
	return func() { cancel(); wg.Wait() }
}

// unusedConns tracks connections that have not sent a byte yet. Clients
// dial spare connections they may never use; net/http's Shutdown waits
// five seconds before treating those as idle, so shutdown closes them at
// once instead: no request is in flight on them.
type unusedConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (u *unusedConns) track(c net.Conn, st http.ConnState) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st == http.StateNew {
		if u.conns == nil {
			u.conns = map[net.Conn]struct{}{}
		}
		u.conns[c] = struct{}{}
		return
	}
	delete(u.conns, c)
}

func (u *unusedConns) closeAll() {
	u.mu.Lock()
	defer u.mu.Unlock()
	for c := range u.conns {
		_ = c.Close()
	}
	clear(u.conns)
}
