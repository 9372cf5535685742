package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAdminClientRegistrationNeedsAdminScope(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := newBrowser(t, s)

	alice := s.login(t, newBrowser(t, s), s.demoConfig(t, "read", "write"), "alice")
	admin := s.login(t, b, s.demoConfig(t, "read", "write", "admin"), "admin")
	if got := s.verifyAccessToken(t, admin.AccessToken).Scope; !slices.Contains(got, "admin") {
		t.Fatalf("admin's token scope = %q, want admin among them", got)
	}

	register := func(t *testing.T, bearer, clientType string) exchange {
		t.Helper()
		form := url.Values{
			"client_name":   {"e2e admin-made " + clientType},
			"redirect_uris": {"http://localhost:7000/cb,https://app.example/cb"},
			"client_type":   {clientType},
			"scope":         {"read write"},
		}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+"/auth/register/client", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		return do(t, req)
	}

	t.Run("without a token is 401", func(t *testing.T) {
		if ex := register(t, "", "public"); ex.Status != http.StatusUnauthorized {
			t.Errorf("want 401\n%s", ex)
		}
	})

	t.Run("with a garbage token is 401", func(t *testing.T) {
		if ex := register(t, "not.a.token", "public"); ex.Status != http.StatusUnauthorized {
			t.Errorf("want 401\n%s", ex)
		}
	})

	t.Run("without admin scope is 403", func(t *testing.T) {
		if ex := register(t, alice.AccessToken, "public"); ex.Status != http.StatusForbidden {
			t.Errorf("want 403\n%s", ex)
		}
	})

	for _, tc := range []struct {
		clientType string
		wantSecret bool
	}{
		{"public", false},
		{"confidential", true},
	} {
		t.Run("admin registers a "+tc.clientType+" client", func(t *testing.T) {
			ex := register(t, admin.AccessToken, tc.clientType)
			if ex.Status != http.StatusCreated && ex.Status != http.StatusOK {
				t.Fatalf("want 201 or 200\n%s", ex)
			}
			m := ex.JSON(t)
			if id, _ := m["client_id"].(string); id == "" {
				t.Errorf("no client_id\n%s", ex)
			}
			if secret, _ := m["client_secret"].(string); (secret != "") != tc.wantSecret {
				t.Errorf("client_secret present = %v, want %v\n%s", secret != "", tc.wantSecret, ex)
			}
		})
	}

	t.Run("a user cannot get a scope they do not hold", func(t *testing.T) {
		conf := s.demoConfig(t, "read", "write", "admin")
		req := s.newAuthRequest(conf)
		o := newBrowser(t, s).authorize(t, req.URL, "alice", "allow")
		if o.Redirect != nil && o.Redirect.Query().Get("error") != "" {
			return // refused outright: fine
		}
		code := s.wantCode(t, o, conf.RedirectURL, req.State)
		tok, _ := s.exchangeCode(t, conf, code, req.Verifier)
		if got := s.verifyAccessToken(t, tok.AccessToken).Scope; slices.Contains(got, "admin") {
			t.Errorf("alice got scope %q", got)
		}
	})
}
