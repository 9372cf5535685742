package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"gatehouse/adapters/audit"
	"gatehouse/adapters/clientmeta"
	"gatehouse/adapters/password"
	"gatehouse/adapters/store/keyfile"
	memstore "gatehouse/adapters/store/memory"
	"gatehouse/adapters/telemetry"
	"gatehouse/adapters/token/builtin"
	"gatehouse/adapters/token/external"
	"gatehouse/app"
	"gatehouse/config"
	"gatehouse/domain"
	"gatehouse/ports"
)

// system is everything a command needs, built from the configuration.
type system struct {
	cfg     config.Config
	log     *slog.Logger
	backend *backend
	stores  ports.Stores
	limiter ports.RateLimiter
	trail   audit.Trail
	authn   app.Authenticator
	// Built-in authorization server (auth.mode=builtin).
	users  ports.UserStore
	keys   *builtin.KeyManager
	issuer *builtin.Issuer
	keyDB  ports.KeyStore
	auth   *app.AuthServer
	demo   []demoClient
	tel    *telemetry.Telemetry
	// External identity provider (auth.mode=external).
	ext     *external.Verifier
	closers []func() error
}

type demoClient struct {
	ID, Secret, Kind string
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.Log.Format == "json" {
		return slog.New(app.LogHandler(slog.NewJSONHandler(w, opts)))
	}
	return slog.New(app.LogHandler(slog.NewTextHandler(w, opts)))
}

// build wires the adapters into the use cases.
func build(ctx context.Context, cfg config.Config, log *slog.Logger) (*system, error) {
	return buildWith(ctx, cfg, log, nil)
}

// buildWith is build with the span exporter tests read traces from.
func buildWith(ctx context.Context, cfg config.Config, log *slog.Logger, spans sdktrace.SpanExporter) (*system, error) {
	tel, err := telemetry.New(ctx, telemetry.Config{
		ServiceName: "gatehouse", ServiceVersion: version,
		OTLPEndpoint: cfg.Telemetry.OTLPEndpoint, Metrics: cfg.Telemetry.Metrics, SpanExporter: spans,
	})
	if err != nil {
		return nil, fmt.Errorf("telemetry.otlp_endpoint: %w", err)
	}
	shutdownTelemetry := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return tel.Shutdown(ctx)
	}
	be, err := openStores(ctx, cfg, log, tel.TracerProvider())
	if err != nil {
		_ = shutdownTelemetry()
		return nil, err
	}
	sys := &system{cfg: cfg, log: log, tel: tel, backend: be, stores: be.stores, closers: []func() error{shutdownTelemetry, be.close}}
	sys.limiter = be.limiterOr()
	var closeTrail func() error
	sys.trail, closeTrail = be.auditTrail(cfg, log)
	sys.closers = append(sys.closers, closeTrail)
	switch cfg.Auth.Mode {
	case "builtin":
		err = sys.buildBuiltin(ctx)
	case "external":
		err = sys.buildExternal()
	default:
		err = fmt.Errorf("auth.mode: %q is not a mode", cfg.Auth.Mode)
	}
	if err != nil {
		sys.close()
		return nil, err
	}
	return sys, nil
}

// buildBuiltin wires the built-in authorization server.
func (sys *system) buildBuiltin(ctx context.Context) error {
	cfg, log, stores := sys.cfg, sys.log, sys.stores
	hasher := password.New(password.DefaultParams())
	users, err := configuredUsers(cfg, hasher)
	if err != nil {
		return err
	}
	sys.users = memstore.NewUsersOver(stores.Users, users...)

	b := cfg.Auth.Builtin
	tokCfg := builtin.Config{
		Issuer:    cfg.Issuer(),
		Algorithm: b.SigningAlg,
		Audiences: resources(cfg),
		Leeway:    b.Leeway,
		Logger:    log,
	}
	keyStore, err := signingKeyStore(cfg, stores.Keys)
	if err != nil {
		return err
	}
	sys.keyDB = keyStore
	sys.keys = builtin.NewKeyManager(keyStore, tokCfg)
	sys.issuer = builtin.NewIssuer(sys.keys)
	if err := sys.keys.EnsureKey(ctx); err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	verifier := builtin.NewVerifier(sys.keys, tokCfg)
	sys.authn = app.Authenticator{Verifier: verifier, Revocations: stores.Revocations, Clock: now,
		Metrics: sys.tel.Metrics(), Tracer: sys.tel.Spans()}

	var docs ports.ClientMetadataFetcher
	if b.ClientMetadata.Enabled {
		docs = clientmeta.New(clientmeta.Config{
			AllowHosts: b.ClientMetadata.AllowHosts,
			AllowHTTP:  b.ClientMetadata.AllowHTTP,
			CacheTTL:   b.ClientMetadata.CacheTTL,
			Timeout:    b.ClientMetadata.Timeout,
			Logger:     log,
		})
	}
	regHash := ""
	if t := b.Registration.Token.Reveal(); t != "" {
		regHash = domain.HashSecret(t)
	}
	sys.auth, err = app.NewAuthServer(app.AuthServerConfig{
		Issuer:                  cfg.Issuer(),
		Resources:               resources(cfg),
		AccessTokenTTL:          b.AccessTokenTTL,
		RefreshTokenTTL:         b.RefreshTokenTTL,
		RefreshGrace:            b.RefreshGrace,
		CodeTTL:                 b.CodeTTL,
		AuthRequestTTL:          b.AuthRequestTTL,
		LoginSessionTTL:         b.LoginSessionTTL,
		SupportedScopes:         domain.NewScopes(b.Scopes...),
		RegistrationPolicy:      b.Registration.Policy,
		RegistrationTokenHash:   regHash,
		RegistrationScopes:      domain.NewScopes(b.Registration.Scopes...),
		AllowPublicClients:      b.AllowPublicClients,
		IntrospectionClients:    introspectionClients(cfg),
		ClientMetadataDocuments: b.ClientMetadata.Enabled,
		LoginAttempts:           b.LoginAttempts,
		LoginWindow:             b.LoginWindow,
	}, app.AuthServerDeps{
		Clients:      stores.Clients,
		Grants:       stores.Grants,
		Revocations:  stores.Revocations,
		AuthRequests: stores.AuthRequests,
		Consents:     stores.Consents,
		Sessions:     stores.Sessions,
		Users:        sys.users,
		Passwords:    hasher,
		Issuer:       sys.issuer,
		Verifier:     verifier,
		ClientDocs:   docs,
		LoginLimiter: sys.limiter,
		Clock:        now,
		Logger:       log,
		Metrics:      sys.tel.Metrics(),
		Tracer:       sys.tel.Spans(),
	})
	if err != nil {
		return err
	}
	return sys.seedClients(ctx)
}

func (s *system) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		if err := s.closers[i](); err != nil {
			s.log.Warn("close", "error", err)
		}
	}
}

// signingKeyStore picks where signing keys live: an explicit key file; in
// development mode with the memory store, a key file in the user's cache
// directory (so stdio and token share the dev server's keys); else the store.
func signingKeyStore(cfg config.Config, fromStore ports.KeyStore) (ports.KeyStore, error) {
	path := keyFilePath(cfg)
	if path == "" {
		return fromStore, nil
	}
	ks, err := keyfile.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth.builtin.key_file: %w", err)
	}
	return ks, nil
}

// resources are what tokens may be bound to: the MCP endpoint (the default
// audience) and the origin, which the root protected-resource document names
// (RFC 9728 §3.3), so a client that discovered either can get a token.
func resources(cfg config.Config) []string {
	out := []string{cfg.MCPURL()}
	if u, err := url.Parse(cfg.Server.BaseURL); err == nil && u.Host != "" {
		out = append(out, u.Scheme+"://"+u.Host)
	}
	return out
}

// introspectionClients may introspect any token; in development mode the
// demo service plays the resource server.
func introspectionClients(cfg config.Config) []string {
	out := slices.Clone(cfg.Auth.Builtin.IntrospectionClients)
	if cfg.Dev {
		out = append(out, demoServiceClient)
	}
	return out
}

// keyFilePath is the signing-key file in use, "" when keys live in the store.
func keyFilePath(cfg config.Config) string {
	if p := cfg.Auth.Builtin.KeyFile; p != "" {
		return p
	}
	if cfg.Dev && cfg.Store.Driver == "memory" {
		if dir, err := os.UserCacheDir(); err == nil {
			return filepath.Join(dir, "gatehouse", "dev-signing-keys.json")
		}
	}
	return ""
}

// Development mode's demo identities (CONTRACT.md).
const (
	demoPassword      = "password"
	demoPublicClient  = "demo-client"
	demoServiceClient = "demo-service"
	demoServiceSecret = "demo-service-secret"
)

func configuredUsers(cfg config.Config, h ports.PasswordHasher) ([]domain.User, error) {
	var out []domain.User
	add := func(name, pw, hash string, scopes []string) error {
		if hash == "" {
			var err error
			if hash, err = h.HashPassword(pw); err != nil {
				return fmt.Errorf("auth.builtin.users: hash password of %q: %w", name, err)
			}
		}
		out = append(out, domain.User{Username: name, PasswordHash: hash, Scopes: domain.NewScopes(scopes...)})
		return nil
	}
	if cfg.Dev {
		for _, u := range []struct {
			name   string
			scopes []string
		}{{"alice", []string{"read", "write"}}, {"bob", []string{"read"}}, {"admin", []string{"read", "write", "admin"}}} {
			if err := add(u.name, demoPassword, "", u.scopes); err != nil {
				return nil, err
			}
		}
	}
	for _, u := range cfg.Auth.Builtin.Users {
		if err := add(u.Username, u.Password.Reveal(), u.PasswordHash, u.Scopes); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// seedClients registers the configured static clients and, in development
// mode, the demo clients. Existing clients are left as they are, so several
// replicas can start against one store.
func (s *system) seedClients(ctx context.Context) error {
	now := time.Now()
	var clients []domain.Client
	if s.cfg.Dev {
		clients = append(clients, domain.Client{
			ID: demoPublicClient, Name: "Gatehouse demo client",
			RedirectURIs: []string{"http://localhost:3000/callback", "http://localhost:8080/callback",
				"http://127.0.0.1:3000/callback", "http://127.0.0.1:8080/callback"},
			GrantTypes:              []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
			ResponseTypes:           []string{"code"},
			TokenEndpointAuthMethod: domain.AuthMethodNone,
			Scopes:                  domain.NewScopes(s.cfg.Auth.Builtin.Scopes...),
			ApplicationType:         "native",
			CreatedAt:               now,
		}, domain.Client{
			ID: demoServiceClient, Name: "Gatehouse demo service", SecretHash: domain.HashSecret(demoServiceSecret),
			GrantTypes:              []string{domain.GrantClientCredentials},
			TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic,
			Scopes:                  domain.NewScopes("read"),
			ApplicationType:         "web",
			CreatedAt:               now,
		})
		s.demo = []demoClient{{ID: demoPublicClient, Kind: "public"}, {ID: demoServiceClient, Secret: demoServiceSecret, Kind: "confidential"}}
	}
	for _, sc := range s.cfg.Auth.Builtin.Clients {
		c := domain.Client{
			ID: sc.ID, Name: sc.Name, RedirectURIs: sc.RedirectURIs, GrantTypes: sc.GrantTypes,
			ResponseTypes: []string{"code"}, Scopes: domain.NewScopes(sc.Scopes...), CreatedAt: now,
			TokenEndpointAuthMethod: domain.AuthMethodNone, ApplicationType: "web",
		}
		if len(c.GrantTypes) == 0 {
			c.GrantTypes = []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
		}
		if sec := sc.Secret.Reveal(); sec != "" {
			c.SecretHash, c.TokenEndpointAuthMethod = domain.HashSecret(sec), domain.AuthMethodClientSecretBasic
		}
		clients = append(clients, c)
	}
	for _, c := range clients {
		if err := s.stores.Clients.CreateClient(ctx, c); err != nil && !errors.Is(err, ports.ErrAlreadyExists) {
			return fmt.Errorf("register client %q: %w", c.ID, err)
		}
	}
	return nil
}
