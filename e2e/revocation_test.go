package e2e

import (
	"net/http"
	"testing"
)

func TestRevocation(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := newBrowser(t, s)
	conf := s.demoConfig(t, "read", "write")
	client := publicAuth(demoClientID)

	t.Run("revoking a refresh token ends its grant", func(t *testing.T) {
		tok := s.login(t, b, conf, "alice")
		if ex := s.revoke(t, tok.RefreshToken, "refresh_token", client); ex.Status != http.StatusOK {
			t.Fatalf("want 200\n%s", ex)
		}
		wantOAuthError(t, s.refresh(t, tok.RefreshToken, "", client), http.StatusBadRequest, "invalid_grant")
		s.wantActive(t, tok.AccessToken, false)
	})

	t.Run("revoking an access token makes it inactive", func(t *testing.T) {
		tok := s.login(t, b, conf, "alice")
		s.wantActive(t, tok.AccessToken, true)
		if ex := s.revoke(t, tok.AccessToken, "", client); ex.Status != http.StatusOK {
			t.Fatalf("want 200\n%s", ex)
		}
		s.wantActive(t, tok.AccessToken, false)
	})

	t.Run("revoking garbage is 200", func(t *testing.T) {
		for _, hint := range []string{"", "access_token", "refresh_token"} {
			if ex := s.revoke(t, "garbage-"+hint, hint, client); ex.Status != http.StatusOK {
				t.Errorf("want 200\n%s", ex)
			}
		}
	})

	t.Run("another client cannot revoke the token", func(t *testing.T) {
		tok := s.login(t, b, conf, "alice")
		s.revoke(t, tok.RefreshToken, "refresh_token", demoService())
		s.revoke(t, tok.AccessToken, "access_token", demoService())
		s.wantActive(t, tok.AccessToken, true)
		if ex := s.refresh(t, tok.RefreshToken, "", client); ex.Status != http.StatusOK {
			t.Errorf("refresh token stopped working after a foreign client revoked it\n%s", ex)
		}
	})

	t.Run("confidential client must authenticate", func(t *testing.T) {
		ex := s.token(t, map[string][]string{"grant_type": {"client_credentials"}}, demoService())
		if ex.Status != http.StatusOK {
			t.Fatalf("client_credentials: want 200\n%s", ex)
		}
		at := ex.Str(t, "access_token")
		wantOAuthError(t, s.revoke(t, at, "", basicAuth(demoServiceID, "wrong")), http.StatusUnauthorized, "invalid_client")
		s.wantActive(t, at, true)
	})
}
