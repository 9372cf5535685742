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

	b := cfg.Auth.Builtin
	edge := newEdge(sys, sys.buildTools())

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
	printBanner(stdout, sys, ln.Addr().String())
	log.Info("serving", "listen", ln.Addr().String(), "base_url", cfg.Server.BaseURL, "issuer", cfg.Issuer(),
		"store", cfg.Store.Driver, "auth_mode", cfg.Auth.Mode, "dev", cfg.Dev)

	kctx, stopKeys := context.WithCancel(ctx)
	keysDone := make(chan struct{})
	go func() { defer close(keysDone); sys.maintainKeys(kctx, b.KeyRotationInterval) }()
	defer func() { stopKeys(); <-keysDone }()
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
	srv.RegisterOnShutdown(func() { time.AfterFunc(min(cfg.Server.ShutdownTimeout/2, 2*time.Second), endRequests) })
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
	return httpedge.New(httpedge.Config{
		BaseURL:                 cfg.Server.BaseURL,
		Issuer:                  cfg.Issuer(),
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
		TrustedProxies:          cfg.Server.TrustedProxies,
		Secure:                  strings.HasPrefix(cfg.Server.BaseURL, "https://"),
		Logger:                  sys.log,
	}, httpedge.Deps{
		Auth:          sys.auth,
		Authenticator: sys.authn,
		JWKS:          sys.keys.PublicJWKS,
		Ready:         sys.stores.Pinger.Ping,
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
	if cfg.Dev {
		fmt.Fprintln(w, "==================================================================")
		fmt.Fprintln(w, " DEVELOPMENT MODE: demo users and clients, not for production use")
		fmt.Fprintln(w, "==================================================================")
	}
	fmt.Fprintf(w, "Gatehouse %s listening on %s\n", version, addr)
	fmt.Fprintf(w, "  base URL:       %s\n", base)
	fmt.Fprintf(w, "  MCP endpoint:   %s\n", cfg.MCPURL())
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
