package e2e

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefreshTokensRotateAndReuseRevokesTheGrant(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := newBrowser(t, s)
	conf := s.demoConfig(t, "read", "write")
	client := publicAuth(demoClientID)

	// refreshOK refreshes and returns the new access and refresh tokens.
	refreshOK := func(t *testing.T, rt, scope string) (string, string) {
		t.Helper()
		ex := s.refresh(t, rt, scope, client)
		if ex.Status != http.StatusOK {
			t.Fatalf("refresh: want 200\n%s", ex)
		}
		at, next := ex.Str(t, "access_token"), ex.Str(t, "refresh_token")
		if at == "" || next == "" {
			t.Fatalf("refresh response lacks access_token or refresh_token\n%s", ex)
		}
		if next == rt {
			t.Errorf("refresh token was not rotated\n%s", ex)
		}
		return at, next
	}

	t.Run("rotation and scope narrowing", func(t *testing.T) {
		tok := s.login(t, b, conf, "alice")
		_, r1 := refreshOK(t, tok.RefreshToken, "")

		at2, r2 := refreshOK(t, r1, "read")
		if got := s.verifyAccessToken(t, at2).Scope; !cmp.Equal(got, []string{"read"}) {
			t.Errorf("narrowed access token scope = %q, want [read]", got)
		}

		wantOAuthError(t, s.refresh(t, r2, "read write admin", client), http.StatusBadRequest, "invalid_scope")

		// A refused widening must not burn the token the client still holds.
		at3, _ := refreshOK(t, r2, "")
		if got := s.verifyAccessToken(t, at3).Scope; !cmp.Equal(got, sortedScopes("read", "write")) {
			t.Errorf("after narrowing, a refresh without scope gives %q, want the grant's [read write] (RFC 6749 §6)", got)
		}
	})

	t.Run("reuse of a rotated token revokes the whole grant", func(t *testing.T) {
		tok := s.login(t, b, conf, "alice")
		at1, r1 := refreshOK(t, tok.RefreshToken, "")
		at2, r2 := refreshOK(t, r1, "")
		s.wantActive(t, at2, true)

		wantOAuthError(t, s.refresh(t, tok.RefreshToken, "", client), http.StatusBadRequest, "invalid_grant")

		wantOAuthError(t, s.refresh(t, r2, "", client), http.StatusBadRequest, "invalid_grant")
		s.wantActive(t, at2, false)
		s.wantActive(t, at1, false)
	})

	t.Run("a refresh token is bound to its client", func(t *testing.T) {
		reg := s.postJSON(t, "/auth/register", map[string]any{
			"client_name":                "e2e other",
			"redirect_uris":              []string{"http://localhost:9999/cb"},
			"token_endpoint_auth_method": "client_secret_basic",
			"grant_types":                []string{"authorization_code", "refresh_token"},
		}, "")
		if reg.Status != http.StatusCreated {
			t.Fatalf("register: want 201\n%s", reg)
		}
		other := basicAuth(reg.Str(t, "client_id"), reg.Str(t, "client_secret"))
		tok := s.login(t, b, conf, "alice")
		wantOAuthError(t, s.refresh(t, tok.RefreshToken, "", other), http.StatusBadRequest, "invalid_grant")
	})
}
