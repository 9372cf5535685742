package app_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gatehouse/adapters/store/memory"
	"gatehouse/adapters/token/builtin"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// downRevocations is a revocation list whose backend cannot be reached.
type downRevocations struct{}

func (downRevocations) Revoke(context.Context, string, time.Time) error {
	return ports.ErrUnavailable
}

func (downRevocations) AnyRevoked(context.Context, time.Time, ...string) (bool, error) {
	return false, ports.ErrUnavailable
}

func TestAuthenticate(t *testing.T) {
	h := newHarness(t)
	tok := h.tokensFor(t, publicID, "alice", "read")
	tests := []struct {
		name    string
		auth    app.Authenticator
		token   string
		wantErr func(t *testing.T, err error)
	}{
		{"valid", h.authenticator(), tok.AccessToken, nil},
		{"without a revocation list", app.Authenticator{Verifier: h.tokens}, tok.AccessToken, nil},
		{"forged", h.authenticator(), tok.AccessToken + "x", func(t *testing.T, err error) {
			wantCode(t, err, domain.CodeInvalidToken)
		}},
		{"holding the required scopes", app.Authenticator{Verifier: h.tokens, RequiredScopes: domain.NewScopes("read")}, tok.AccessToken, nil},
		{"missing a required scope", app.Authenticator{Verifier: h.tokens, RequiredScopes: domain.NewScopes("read", "read:mimic-data")},
			tok.AccessToken, func(t *testing.T, err error) {
				wantCode(t, err, domain.CodeInsufficientScope)
				var oe *domain.OAuthError
				if errors.As(err, &oe) && (oe.Description != "Missing required scopes: read:mimic-data" || oe.Scope.String() != "read read:mimic-data") {
					t.Errorf("insufficient_scope says %q with scope %q, want the missing set and every required scope", oe.Description, oe.Scope)
				}
			}},
		{"revocation list down", app.Authenticator{Verifier: h.tokens, Revocations: downRevocations{}, Clock: h.clock.Now},
			tok.AccessToken, func(t *testing.T, err error) {
				if !errors.Is(err, ports.ErrUnavailable) {
					t.Errorf("error = %v, want ErrUnavailable so the edge answers 503", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.auth.Authenticate(t.Context(), tt.token)
			if tt.wantErr != nil {
				tt.wantErr(t, err)
				if p.Subject != "" {
					t.Errorf("a refused token returned principal %+v", p)
				}
				return
			}
			if err != nil || p.Subject != "alice" || p.ClientID != publicID {
				t.Errorf("Authenticate = (%+v, %v), want alice via %s", p, err, publicID)
			}
		})
	}
}

func TestGrantRevocationCoversItsAccessTokens(t *testing.T) {
	h := newHarness(t)
	tok := h.tokensFor(t, publicID, "alice", "read")
	if err := h.srv.Revoke(t.Context(), creds(publicID), tok.RefreshToken, ""); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	// The grant's denial lasts at least as long as its access tokens do.
	h.clock.Advance(h.cfg.AccessTokenTTL - time.Second)
	_, err := h.authenticator().Authenticate(t.Context(), tok.AccessToken)
	wantCode(t, err, domain.CodeInvalidToken)
}

// cacheForever is the worst cache a verifier could have: after the first
// full check of a token it answers from memory without looking again.
type cacheForever struct {
	inner  ports.TokenVerifier
	mu     sync.Mutex
	seen   map[string]domain.Principal
	checks int // full verifications by inner
}

func (c *cacheForever) VerifyAccessToken(ctx context.Context, token string) (domain.Principal, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.seen[token]; ok {
		return p, nil
	}
	p, err := c.inner.VerifyAccessToken(ctx, token)
	if err == nil {
		c.checks++
		c.seen[token] = p
	}
	return p, err
}

// TestRevokedTokenIsNeverServedFromCache: the revocation list is asked on
// every request, after the verifier and whatever it caches, so a token
// revoked after it was verified and cached is refused on the next request
// (the grant's revocation likewise) while the cache still answers.
func TestRevokedTokenIsNeverServedFromCache(t *testing.T) {
	ctx := t.Context()
	clock := newFakeClock()
	store := memory.New()
	cfg := builtin.Config{Issuer: testIssuer, Audiences: []string{testResource}, Clock: clock.Now}
	keys := builtin.NewKeyManager(store, cfg)
	if err := keys.EnsureKey(ctx); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	issuer := builtin.NewIssuer(keys)
	mint := func(t *testing.T, jti, grant string) string {
		t.Helper()
		now := clock.Now()
		tok, err := issuer.IssueAccessToken(ctx, domain.AccessTokenClaims{
			Issuer: testIssuer, Subject: "alice", Audience: []string{testResource}, ClientID: publicID,
			Scopes: domain.NewScopes("read"), TokenID: jti, GrantID: grant, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			t.Fatalf("IssueAccessToken: %v", err)
		}
		return tok
	}
	revocations := store.Stores().Revocations
	verifiers := []struct {
		name string
		new  func() (ports.TokenVerifier, func() int)
	}{
		{"builtin verifier with its cache", func() (ports.TokenVerifier, func() int) {
			return builtin.NewVerifier(keys, cfg), nil
		}},
		{"a cache that never looks again", func() (ports.TokenVerifier, func() int) {
			c := &cacheForever{inner: builtin.NewVerifier(keys, cfg), seen: map[string]domain.Principal{}}
			return c, func() int { c.mu.Lock(); defer c.mu.Unlock(); return c.checks }
		}},
	}
	for _, v := range verifiers {
		for _, revoke := range []string{"token", "grant"} {
			t.Run(v.name+"/"+revoke, func(t *testing.T) {
				verifier, checks := v.new()
				a := app.Authenticator{Verifier: verifier, Revocations: revocations, Clock: clock.Now}
				jti, grant := v.name+revoke+"-jti", v.name+revoke+"-grant"
				tok := mint(t, jti, grant)
				for range 2 { // the second answer comes from the cache
					if _, err := a.Authenticate(ctx, tok); err != nil {
						t.Fatalf("Authenticate before revocation: %v", err)
					}
				}
				key := app.TokenRevocationKey(jti)
				if revoke == "grant" {
					key = app.GrantRevocationKey(grant)
				}
				if err := revocations.Revoke(ctx, key, clock.Now().Add(time.Hour)); err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				_, err := a.Authenticate(ctx, tok)
				wantCode(t, err, domain.CodeInvalidToken)
				if checks != nil && checks() != 1 {
					t.Errorf("token fully verified %d times, want once: the cache must have answered", checks())
				}
			})
		}
	}
}
