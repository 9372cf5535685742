package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"gatehouse/app"
	"gatehouse/domain"
)

// clientCredentialsToken gets a real access token for confID.
func (e *edge) clientCredentialsToken(t *testing.T) string {
	t.Helper()
	req := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}})
	req.Header.Set("Authorization", basicAuth(confID, confSecret))
	rec := e.do(req)
	wantStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("token response Cache-Control = %q, want no-store", got)
	}
	var resp app.TokenResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		t.Fatalf("token response: %v", err)
	}
	if resp.AccessToken == "" || resp.TokenType != "Bearer" {
		t.Fatalf("token response = %+v", resp)
	}
	return resp.AccessToken
}

func withBearer(r *http.Request, tok string) *http.Request {
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}

func (e *edge) introspect(t *testing.T, tok string) app.Introspection {
	t.Helper()
	req := formPost("/auth/introspect", url.Values{"token": {tok}})
	req.Header.Set("Authorization", basicAuth(confID, confSecret))
	rec := e.do(req)
	wantStatus(t, rec, http.StatusOK)
	var out app.Introspection
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("introspection response: %v", err)
	}
	return out
}

func TestIssuedTokenOpensMCPUntilRevoked(t *testing.T) {
	e := newEdge(t)
	tok := e.clientCredentialsToken(t)

	wantStatus(t, e.do(withBearer(protected(http.MethodGet, "/mcp/tools", ""), tok)), http.StatusOK)
	if in := e.introspect(t, tok); !in.Active || in.ClientID != confID || in.Scope != "read" {
		t.Errorf("introspection = %+v, want active for %s with read", in, confID)
	}

	req := formPost("/auth/revoke", url.Values{"token": {tok}, "token_type_hint": {"access_token"}})
	req.Header.Set("Authorization", basicAuth(confID, confSecret))
	wantStatus(t, e.do(req), http.StatusOK)

	rec := e.do(withBearer(protected(http.MethodGet, "/mcp/tools", ""), tok))
	wantStatus(t, rec, http.StatusUnauthorized)
	if got := decodeError(t, rec).Error; got != domain.CodeInvalidToken {
		t.Errorf("error = %q, want invalid_token", got)
	}
	if in := e.introspect(t, tok); in.Active {
		t.Errorf("introspection after revocation = %+v, want inactive", in)
	}
}

func TestTokenEndpointsAuthenticateTheClient(t *testing.T) {
	tests := []struct {
		name string
		path string
		form url.Values
	}{
		{name: "token", path: "/auth/token", form: url.Values{"grant_type": {"client_credentials"}}},
		{name: "revoke", path: "/auth/revoke", form: url.Values{"token": {"x"}}},
		{name: "introspect", path: "/auth/introspect", form: url.Values{"token": {"x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t)
			req := formPost(tt.path, tt.form)
			req.Header.Set("Authorization", basicAuth(confID, "wrong-secret"))
			rec := e.do(req)
			wantStatus(t, rec, http.StatusUnauthorized)
			if got := decodeError(t, rec).Error; got != domain.CodeInvalidClient {
				t.Errorf("error = %q, want invalid_client", got)
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != `Basic realm="gatehouse"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
		})
	}
}

func TestTokenEndpointsRefuseMalformedRequests(t *testing.T) {
	for _, path := range []string{"/auth/token", "/auth/revoke", "/auth/introspect"} {
		t.Run(path, func(t *testing.T) {
			e := newEdge(t)
			t.Run("content type", func(t *testing.T) {
				req := formPost(path, url.Values{"token": {"x"}})
				req.Header.Set("Content-Type", "text/plain")
				wantStatus(t, e.do(req), http.StatusBadRequest)
			})
			t.Run("two methods", func(t *testing.T) {
				req := formPost(path, url.Values{"client_secret": {confSecret}, "token": {"x"}})
				req.Header.Set("Authorization", basicAuth(confID, confSecret))
				rec := e.do(req)
				wantStatus(t, rec, http.StatusBadRequest)
				if got := decodeError(t, rec).Error; got != domain.CodeInvalidRequest {
					t.Errorf("error = %q, want invalid_request", got)
				}
			})
		})
	}
}
