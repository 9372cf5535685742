package app_test

import (
	"testing"
	"time"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestRevokeRefreshTokenRevokesTheGrant(t *testing.T) {
	hints := []string{"", "refresh_token", "access_token", "unknown_hint"}
	for _, hint := range hints {
		t.Run("hint "+hint, func(t *testing.T) {
			h := newHarness(t)
			tok := h.tokensFor(t, publicID, "alice", "read")
			if err := h.srv.Revoke(t.Context(), creds(publicID), tok.RefreshToken, hint); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			_, err := h.refresh(t, publicID, tok.RefreshToken, "")
			wantCode(t, err, domain.CodeInvalidGrant)
			_, err = h.authenticator().Authenticate(t.Context(), tok.AccessToken)
			wantCode(t, err, domain.CodeInvalidToken)
		})
	}
}

func TestRevokeAccessToken(t *testing.T) {
	hints := []string{"", "access_token", "refresh_token"}
	for _, hint := range hints {
		t.Run("hint "+hint, func(t *testing.T) {
			h := newHarness(t)
			tok := h.tokensFor(t, publicID, "alice", "read")
			if err := h.srv.Revoke(t.Context(), creds(publicID), tok.AccessToken, hint); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			_, err := h.authenticator().Authenticate(t.Context(), tok.AccessToken)
			wantCode(t, err, domain.CodeInvalidToken)
			// Only that access token: the grant lives on.
			next, err := h.refresh(t, publicID, tok.RefreshToken, "")
			if err != nil {
				t.Fatalf("refresh after revoking an access token: %v", err)
			}
			if _, err := h.authenticator().Authenticate(t.Context(), next.AccessToken); err != nil {
				t.Errorf("new access token refused: %v", err)
			}
		})
	}
}

func TestRevokeClientCredentialsToken(t *testing.T) {
	h := newHarness(t)
	resp, err := h.srv.Token(t.Context(), app.TokenRequest{Client: creds(confID), GrantType: domain.GrantClientCredentials})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if err := h.srv.Revoke(t.Context(), creds(confID), resp.AccessToken, ""); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	_, err = h.authenticator().Authenticate(t.Context(), resp.AccessToken)
	wantCode(t, err, domain.CodeInvalidToken)
}

// Tokens the caller does not own, or that do not exist, are answered like
// successful revocations and left alone (RFC 7009 §2.2).
func TestRevokeForeignOrUnknownTokenIsNoError(t *testing.T) {
	h := newHarness(t)
	victim := h.tokensFor(t, publicID, "alice", "read")
	tests := []struct {
		name, token string
	}{
		{"another client's refresh token", victim.RefreshToken},
		{"another client's access token", victim.AccessToken},
		{"unknown token", "no-such-token"},
		{"forged access token", victim.AccessToken + "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := h.srv.Revoke(t.Context(), creds(otherID), tt.token, ""); err != nil {
				t.Errorf("Revoke = %v, want nil", err)
			}
		})
	}
	if _, err := h.authenticator().Authenticate(t.Context(), victim.AccessToken); err != nil {
		t.Errorf("victim's access token was revoked by another client: %v", err)
	}
	if _, err := h.refresh(t, publicID, victim.RefreshToken, ""); err != nil {
		t.Errorf("victim's refresh token was revoked by another client: %v", err)
	}
}

func TestRevokeRequestErrors(t *testing.T) {
	h := newHarness(t)
	err := h.srv.Revoke(t.Context(), creds(publicID), "", "")
	wantCode(t, err, domain.CodeInvalidRequest)
	bad := creds(confID)
	bad.Secret = "wrong"
	err = h.srv.Revoke(t.Context(), bad, "token", "")
	wantCode(t, err, domain.CodeInvalidClient)
}

// A verifier tolerates clock skew past exp, so a revoked token must stay on
// the revocation list beyond exp by more than any allowed leeway (5 min);
// otherwise it would be accepted again inside that leeway.
func TestRevokedAccessTokenStaysDeniedThroughTheLeeway(t *testing.T) {
	h := newHarness(t)
	tok := h.tokensFor(t, publicID, "alice", "read")
	p, err := h.authenticator().Authenticate(t.Context(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.Revoke(t.Context(), creds(publicID), tok.AccessToken, ""); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{0, time.Minute, 5 * time.Minute} {
		revoked, err := h.store.AnyRevoked(t.Context(), p.ExpiresAt.Add(after), app.TokenRevocationKey(p.TokenID))
		if err != nil || !revoked {
			t.Errorf("%s after exp: revoked = %v (%v), want true", after, revoked, err)
		}
	}
}
