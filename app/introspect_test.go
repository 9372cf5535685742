package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestIntrospectActiveAccessToken(t *testing.T) {
	h := newHarness(t)
	issued := h.clock.Now()
	tok := h.tokensFor(t, publicID, "alice", "read write")
	got, err := h.srv.Introspect(t.Context(), creds(confID), tok.AccessToken, "")
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	want := app.Introspection{
		Active: true, Scope: "read write", ClientID: publicID, Username: "alice", TokenType: "Bearer",
		Exp: issued.Add(h.cfg.AccessTokenTTL).Unix(), Iat: issued.Unix(), Sub: "alice",
		Aud: []string{testResource}, Iss: testIssuer, Jti: h.mustClaims(t, tok.AccessToken).TokenID,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("introspection mismatch (-want +got):\n%s", diff)
	}
	if got.Jti == "" {
		t.Error("jti is empty")
	}
}

func TestIntrospectActiveRefreshToken(t *testing.T) {
	h := newHarness(t)
	issued := h.clock.Now()
	tok := h.tokensFor(t, publicID, "alice", "read")
	got, err := h.srv.Introspect(t.Context(), creds(confID), tok.RefreshToken, "refresh_token")
	if err != nil {
		t.Fatalf("Introspect: %v", err)
	}
	want := app.Introspection{
		Active: true, Scope: "read", ClientID: publicID, Username: "alice", TokenType: "refresh_token",
		Exp: issued.Add(h.cfg.RefreshTokenTTL).Unix(), Iat: issued.Unix(), Sub: "alice", Iss: testIssuer,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("introspection mismatch (-want +got):\n%s", diff)
	}
}

func TestIntrospectInactive(t *testing.T) {
	tests := []struct {
		name string
		// token returns the token to introspect after doing whatever makes
		// it inactive.
		token func(t *testing.T, h *harness) string
	}{
		{"revoked access token", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			if err := h.srv.Revoke(t.Context(), creds(publicID), tok.AccessToken, "access_token"); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return tok.AccessToken
		}},
		{"access token of a revoked grant", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			if err := h.srv.Revoke(t.Context(), creds(publicID), tok.RefreshToken, ""); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return tok.AccessToken
		}},
		{"expired access token", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			h.clock.Advance(h.cfg.AccessTokenTTL)
			return tok.AccessToken
		}},
		{"revoked refresh token", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			if err := h.srv.Revoke(t.Context(), creds(publicID), tok.RefreshToken, ""); err != nil {
				t.Fatalf("Revoke: %v", err)
			}
			return tok.RefreshToken
		}},
		{"rotated refresh token", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			if _, err := h.refresh(t, publicID, tok.RefreshToken, ""); err != nil {
				t.Fatalf("refresh: %v", err)
			}
			return tok.RefreshToken
		}},
		{"expired refresh token", func(t *testing.T, h *harness) string {
			tok := h.tokensFor(t, publicID, "alice", "read")
			h.clock.Advance(h.cfg.RefreshTokenTTL + time.Second)
			return tok.RefreshToken
		}},
		{"unknown token", func(*testing.T, *harness) string { return "no-such-token" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tok := tt.token(t, h)
			got, err := h.srv.Introspect(t.Context(), creds(confID), tok, "")
			if err != nil {
				t.Fatalf("Introspect: %v", err)
			}
			if diff := cmp.Diff(app.Introspection{Active: false}, got); diff != "" {
				t.Errorf("introspection mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIntrospectRequestErrors(t *testing.T) {
	tests := []struct {
		name  string
		cc    app.ClientCredentials
		token string
		code  string
	}{
		{"public client", creds(publicID), "x", domain.CodeInvalidClient},
		{"wrong secret", app.ClientCredentials{ClientID: confID, Secret: "x", Method: domain.AuthMethodClientSecretBasic}, "x", domain.CodeInvalidClient},
		{"missing token", creds(confID), "", domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.srv.Introspect(t.Context(), tt.cc, tt.token, "")
			wantCode(t, err, tt.code)
		})
	}
}

// A confidential client that is not a configured introspection client learns
// nothing about tokens issued to other clients, but may introspect its own.
func TestIntrospectionOfOtherClientsTokensNeedsPermission(t *testing.T) {
	h := newHarness(t)
	users := h.tokensFor(t, publicID, "alice", "read")
	for name, tok := range map[string]string{"access token": users.AccessToken, "refresh token": users.RefreshToken} {
		got, err := h.srv.Introspect(t.Context(), creds(ccOnlyID), tok, "")
		if err != nil || got.Active {
			t.Errorf("%s of another client introspected by %s: got (%+v, %v), want inactive", name, ccOnlyID, got, err)
		}
	}
	own, err := h.srv.Token(t.Context(), app.TokenRequest{Client: creds(ccOnlyID), GrantType: domain.GrantClientCredentials})
	if err != nil {
		t.Fatal(err)
	}
	got, err := h.srv.Introspect(t.Context(), creds(ccOnlyID), own.AccessToken, "")
	if err != nil || !got.Active {
		t.Errorf("own token: got (%+v, %v), want active", got, err)
	}
}
