package e2e

import (
	"net/http"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDynamicClientRegistration(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	t.Run("public native client registers and completes the code flow", func(t *testing.T) {
		redirect := "http://localhost:9999/cb"
		ex := s.postJSON(t, "/auth/register", map[string]any{
			"client_name":                "e2e native",
			"redirect_uris":              []string{redirect},
			"token_endpoint_auth_method": "none",
			"grant_types":                []string{"authorization_code", "refresh_token"},
			"application_type":           "native",
		}, "")
		if ex.Status != http.StatusCreated {
			t.Fatalf("want 201\n%s", ex)
		}
		m := ex.JSON(t)
		id, _ := m["client_id"].(string)
		if id == "" {
			t.Fatalf("no client_id\n%s", ex)
		}
		if _, ok := m["client_id_issued_at"].(float64); !ok {
			t.Errorf("client_id_issued_at = %v, want a number", m["client_id_issued_at"])
		}
		if _, ok := m["client_secret"]; ok {
			t.Errorf("a client with token_endpoint_auth_method none got a secret\n%s", ex)
		}
		echoed := map[string]any{
			"client_name":                "e2e native",
			"redirect_uris":              []any{redirect},
			"token_endpoint_auth_method": "none",
			"grant_types":                []any{"authorization_code", "refresh_token"},
		}
		for k, want := range echoed {
			if !cmp.Equal(m[k], want) {
				t.Errorf("%s = %v, want %v echoed", k, m[k], want)
			}
		}

		conf := s.oauthConfig(id, "", redirect, "read")
		tok := s.login(t, newBrowser(t, s), conf, "alice")
		c := s.verifyAccessToken(t, tok.AccessToken)
		if c.ClientID != id || c.Subject != "alice" {
			t.Errorf("token client_id %q sub %q, want %q alice", c.ClientID, c.Subject, id)
		}
	})

	t.Run("confidential client gets a secret that works", func(t *testing.T) {
		redirect := "http://127.0.0.1:9998/cb"
		ex := s.postJSON(t, "/auth/register", map[string]any{
			"client_name":                "e2e web",
			"redirect_uris":              []string{redirect},
			"token_endpoint_auth_method": "client_secret_basic",
			"grant_types":                []string{"authorization_code", "refresh_token"},
		}, "")
		if ex.Status != http.StatusCreated {
			t.Fatalf("want 201\n%s", ex)
		}
		m := ex.JSON(t)
		id, _ := m["client_id"].(string)
		secret, _ := m["client_secret"].(string)
		if id == "" || secret == "" {
			t.Fatalf("want client_id and client_secret\n%s", ex)
		}
		if _, ok := m["client_secret_expires_at"].(float64); !ok {
			t.Errorf("client_secret_expires_at = %v, want a number (0: never)", m["client_secret_expires_at"])
		}
		conf := s.oauthConfig(id, secret, redirect, "read")
		tok := s.login(t, newBrowser(t, s), conf, "alice")
		if c := s.verifyAccessToken(t, tok.AccessToken); c.ClientID != id {
			t.Errorf("token client_id %q, want %q", c.ClientID, id)
		}

		bad := s.oauthConfig(id, secret+"x", redirect, "read")
		req := s.newAuthRequest(bad)
		code := s.wantCode(t, newBrowser(t, s).authorize(t, req.URL, "alice", "allow"), redirect, req.State)
		if _, ex, err := s.tryExchange(t, bad, code, req.Verifier); oauthErrorCode(err) != "invalid_client" || ex.Status != http.StatusUnauthorized {
			t.Errorf("exchange with a wrong secret: want 401 invalid_client, got %v\n%s", err, ex)
		}
	})

	for _, tc := range []struct {
		name  string
		doc   map[string]any
		codes []string
	}{
		{
			name:  "redirect URI with a fragment",
			doc:   map[string]any{"redirect_uris": []string{"https://app.example/cb#frag"}, "token_endpoint_auth_method": "none"},
			codes: []string{"invalid_redirect_uri"},
		},
		{
			name:  "plain http redirect URI off loopback",
			doc:   map[string]any{"redirect_uris": []string{"http://app.example/cb"}, "token_endpoint_auth_method": "none"},
			codes: []string{"invalid_redirect_uri"},
		},
		{
			name:  "missing redirect_uris",
			doc:   map[string]any{"client_name": "no uris", "token_endpoint_auth_method": "none"},
			codes: []string{"invalid_client_metadata", "invalid_redirect_uri"},
		},
	} {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			wantOAuthError(t, s.postJSON(t, "/auth/register", tc.doc, ""), http.StatusBadRequest, tc.codes...)
		})
	}

	t.Run("admin scope is refused or capped", func(t *testing.T) {
		ex := s.postJSON(t, "/auth/register", map[string]any{
			"client_name":                "greedy",
			"redirect_uris":              []string{"http://localhost:9999/cb"},
			"token_endpoint_auth_method": "none",
			"scope":                      "read write admin",
		}, "")
		switch ex.Status {
		case http.StatusCreated:
			sc, ok := ex.JSON(t)["scope"]
			if !ok {
				t.Fatalf("201 without the registered scope (RFC 7591 §3.2.1 returns all metadata)\n%s", ex)
			}
			if slices.Contains(scopeSet(sc), "admin") {
				t.Errorf("dynamically registered client holds admin\n%s", ex)
			}
		case http.StatusBadRequest:
			wantOAuthError(t, ex, http.StatusBadRequest, "invalid_client_metadata", "invalid_scope")
		default:
			t.Errorf("want 201 (capped) or 400\n%s", ex)
		}
	})
}
