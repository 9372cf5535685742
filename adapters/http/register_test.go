package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"gatehouse/app"
	"gatehouse/domain"
)

func registerRequest(contentType, body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/auth/register", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

func TestDynamicRegistration(t *testing.T) {
	const good = `{"redirect_uris":["http://127.0.0.1/cb"],"token_endpoint_auth_method":"none","client_name":"CLI"}`
	tests := []struct {
		name   string
		policy string
		req    func() *http.Request
		status int
		code   string
	}{
		{name: "open", policy: "open", status: http.StatusCreated,
			req: func() *http.Request { return registerRequest("application/json", good) }},
		{name: "json with charset", policy: "open", status: http.StatusCreated,
			req: func() *http.Request { return registerRequest("application/json; charset=utf-8", good) }},
		{name: "form body", policy: "open", status: http.StatusBadRequest, code: domain.CodeInvalidClientMetadata,
			req: func() *http.Request { return registerRequest("application/x-www-form-urlencoded", "client_name=x") }},
		{name: "malformed JSON", policy: "open", status: http.StatusBadRequest, code: domain.CodeInvalidClientMetadata,
			req: func() *http.Request { return registerRequest("application/json", `{"redirect_uris":`) }},
		{name: "over 64 KiB", policy: "open", status: http.StatusBadRequest, code: domain.CodeInvalidClientMetadata,
			req: func() *http.Request {
				return registerRequest("application/json", `{"client_name":"`+strings.Repeat("x", 64<<10)+`"}`)
			}},
		{name: "policy off", policy: "off", status: http.StatusForbidden, code: domain.CodeAccessDenied,
			req: func() *http.Request { return registerRequest("application/json", good) }},
		{name: "policy token without a token", policy: "token", status: http.StatusUnauthorized, code: domain.CodeInvalidToken,
			req: func() *http.Request { return registerRequest("application/json", good) }},
		{name: "policy token with the token", policy: "token", status: http.StatusCreated,
			req: func() *http.Request {
				r := registerRequest("application/json", good)
				r.Header.Set("Authorization", "Bearer initial-token")
				return r
			}},
		{name: "initial token in the query", policy: "token", status: http.StatusBadRequest, code: domain.CodeInvalidRequest,
			req: func() *http.Request {
				r := registerRequest("application/json", good)
				r.URL.RawQuery = "access_token=initial-token"
				return r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withAuth(func(c *app.AuthServerConfig, _ *app.AuthServerDeps) {
				c.RegistrationPolicy = tt.policy
				c.RegistrationTokenHash = domain.HashSecret("initial-token")
			}))
			rec := e.do(tt.req())
			wantStatus(t, rec, tt.status)
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if tt.code != "" {
				if got := decodeError(t, rec).Error; got != tt.code {
					t.Errorf("error = %q, want %q", got, tt.code)
				}
			} else if !strings.Contains(rec.Body.String(), `"client_id"`) {
				t.Errorf("body = %s, want a client_id", rec.Body)
			}
		})
	}
}

func TestAdminRegistration(t *testing.T) {
	admin := domain.Principal{Subject: "root", Scopes: domain.ParseScopes("read admin")}
	form := url.Values{"client_name": {"Tool"}, "redirect_uris": {" https://a.example/cb , ,https://b.example/cb"},
		"client_type": {"confidential"}, "scope": {"read admin"}}
	tests := []struct {
		name      string
		principal domain.Principal
		noToken   bool
		status    int
	}{
		{name: "admin", principal: admin, status: http.StatusCreated},
		{name: "reader", principal: reader().principal, status: http.StatusForbidden},
		{name: "no token", noToken: true, status: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(&fakeAuthenticator{principal: tt.principal}))
			req := formPost("/auth/register/client", form)
			if !tt.noToken {
				req.Header.Set("Authorization", "Bearer t")
			}
			rec := e.do(req)
			wantStatus(t, rec, tt.status)
			if tt.status != http.StatusCreated {
				return
			}
			for _, want := range []string{`"client_secret"`, `"https://a.example/cb"`, `"https://b.example/cb"`} {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("body = %s, want it to contain %s", rec.Body, want)
				}
			}
		})
	}
}
