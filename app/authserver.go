// Package app holds Gatehouse's use cases. It speaks to the outside world only
// through ports and returns domain values and domain errors.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// AuthServerConfig is what the built-in authorization server needs to know.
type AuthServerConfig struct {
	Issuer string
	// Resources are the RFC 8707 resource URIs this server guards; the first
	// is the audience of tokens requested without a resource parameter.
	Resources       []string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// RefreshGrace lets a just-rotated refresh token be presented once
	// more within this long and get the same successor (0: never).
	RefreshGrace    time.Duration
	CodeTTL         time.Duration
	AuthRequestTTL  time.Duration
	LoginSessionTTL time.Duration
	// SupportedScopes are every scope the server knows; others are invalid.
	SupportedScopes domain.Scopes
	// RegistrationPolicy is "open", "token" or "off".
	RegistrationPolicy string
	// RegistrationTokenHash is the SHA-256 of the initial access token that
	// registration needs under policy "token".
	RegistrationTokenHash string
	// RegistrationScopes caps what dynamically registered clients may ask.
	RegistrationScopes domain.Scopes
	AllowPublicClients bool
	// IntrospectionClients may introspect any token; other confidential
	// clients only tokens issued to themselves (RFC 7662 §4 leaves the
	// policy to the server; self-registered clients must not learn about
	// other users' tokens).
	IntrospectionClients []string
	// ClientMetadataDocuments turns on URL client ids (CIMD).
	ClientMetadataDocuments bool
	// LoginAttempts is how many failed logins a username, and a client IP,
	// may have within LoginWindow; further attempts are refused unchecked
	// until the window ends. 0 (or no LoginLimiter) turns throttling off.
	LoginAttempts int
	LoginWindow   time.Duration
}

// AuthServerDeps are the ports the authorization server calls.
type AuthServerDeps struct {
	Clients      ports.ClientStore
	Grants       ports.GrantStore
	Revocations  ports.RevocationList
	AuthRequests ports.AuthRequestStore
	Consents     ports.ConsentStore
	Sessions     ports.SessionStore
	Users        ports.UserStore
	Passwords    ports.PasswordHasher
	Issuer       ports.TokenIssuer
	Verifier     ports.TokenVerifier
	ClientDocs   ports.ClientMetadataFetcher // nil when CIMD is off
	LoginLimiter ports.RateLimiter           // counts failed logins; nil: no throttling
	Clock        ports.Clock
	Logger       *slog.Logger
	// Metrics and Tracer observe the use cases; nil records nothing.
	Metrics ports.Metrics
	Tracer  ports.Tracer
}

// AuthServer implements the OAuth 2.1 authorization server's use cases.
type AuthServer struct {
	cfg AuthServerConfig
	AuthServerDeps
	// dummyHash is checked for unknown users so that a login attempt costs
	// the same whether or not the user exists.
	dummyHash string
	lockouts  *loginLockouts
}

// NewAuthServer checks its wiring and returns the use cases.
func NewAuthServer(cfg AuthServerConfig, d AuthServerDeps) (*AuthServer, error) {
	if d.Clients == nil || d.Grants == nil || d.Revocations == nil || d.AuthRequests == nil ||
		d.Consents == nil || d.Sessions == nil || d.Users == nil || d.Passwords == nil ||
		d.Issuer == nil || d.Verifier == nil {
		return nil, errors.New("app: authorization server is missing a dependency")
	}
	if len(cfg.Resources) == 0 {
		return nil, errors.New("app: authorization server needs at least one resource")
	}
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	dummy, err := d.Passwords.HashPassword(randomToken())
	if err != nil {
		return nil, fmt.Errorf("app: dummy password hash: %w", err)
	}
	return &AuthServer{cfg: cfg, AuthServerDeps: d, dummyHash: dummy, lockouts: newLoginLockouts()}, nil
}

// Config returns the server's configuration (for metadata documents).
func (s *AuthServer) Config() AuthServerConfig { return s.cfg }

// storeErr turns a store failure into the OAuth error a client sees: absent
// records are invalid grants, an unreachable store is temporarily
// unavailable (the edge answers 503), anything else a server error. The
// cause is kept for logs.
func storeErr(err error, notFound *domain.OAuthError) error {
	switch {
	case errors.Is(err, ports.ErrNotFound) && notFound != nil:
		return notFound.WithCause(err)
	case errors.Is(err, ports.ErrUnavailable):
		return domain.ErrTemporarilyUnavailable("storage is unavailable, try again").WithCause(err)
	default:
		return domain.ErrServerError("internal error").WithCause(err)
	}
}

// revokeGrantFamily revokes a grant and its access tokens.
func (s *AuthServer) revokeGrantFamily(ctx context.Context, grantID string, now time.Time) error {
	return revokeFamily(ctx, s.Grants, s.Revocations, grantID, now, s.cfg.AccessTokenTTL)
}

// GrantRevocationKey and TokenRevocationKey name entries of the revocation
// list.
func GrantRevocationKey(id string) string  { return "grant:" + id }
func TokenRevocationKey(jti string) string { return "jti:" + jti }
