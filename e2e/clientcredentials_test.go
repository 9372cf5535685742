package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestClientCredentialsGrantForConfidentialClients(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	grant := url.Values{"grant_type": {"client_credentials"}}

	for _, tc := range []struct {
		name string
		auth clientAuth
	}{
		{"client_secret_basic", basicAuth(demoServiceID, demoServiceSecret)},
		{"client_secret_post", postAuth(demoServiceID, demoServiceSecret)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex := s.token(t, grant, tc.auth)
			if ex.Status != http.StatusOK {
				t.Fatalf("want 200\n%s", ex)
			}
			if cc := ex.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if ex.JSON(t)["refresh_token"] != nil {
				t.Errorf("client_credentials issued a refresh token (RFC 6749 §4.4.3 says it should not)\n%s", ex)
			}
			if sc, ok := ex.JSON(t)["scope"]; ok && !cmp.Equal(scopeSet(sc), []string{"read"}) {
				t.Errorf("scope = %v, want read", sc)
			}
			c := s.verifyAccessToken(t, ex.Str(t, "access_token"))
			if c.Subject != demoServiceID || c.ClientID != demoServiceID || !cmp.Equal(c.Scope, []string{"read"}) {
				t.Errorf("token sub %q client_id %q scope %q, want %s, %s, [read]", c.Subject, c.ClientID, c.Scope, demoServiceID, demoServiceID)
			}
		})
	}

	t.Run("wrong secret is invalid_client with WWW-Authenticate", func(t *testing.T) {
		for _, auth := range []clientAuth{
			basicAuth(demoServiceID, "not-the-secret"),
			postAuth(demoServiceID, "not-the-secret"),
			basicAuth("no-such-client", "whatever"),
		} {
			ex := s.token(t, grant, auth)
			wantOAuthError(t, ex, http.StatusUnauthorized, "invalid_client")
			if ex.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate\n%s", ex)
			}
		}
	})

	t.Run("public client is refused", func(t *testing.T) {
		ex := s.token(t, grant, publicAuth(demoClientID))
		if code := errorCode(ex); ex.Status < 400 || (code != "unauthorized_client" && code != "invalid_client") {
			t.Errorf("want unauthorized_client or invalid_client\n%s", ex)
		}
	})

	t.Run("scope beyond the client's is invalid_scope", func(t *testing.T) {
		form := cloneValues(grant)
		form.Set("scope", "read admin")
		wantOAuthError(t, s.token(t, form, demoService()), http.StatusBadRequest, "invalid_scope")
	})
}
