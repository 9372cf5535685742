package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

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
