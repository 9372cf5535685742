package http

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/domain"
	"gatehouse/ports"
)

// protectedRequests are one request to each kind of protected endpoint.
func protectedRequests() map[string]func() *http.Request {
	return map[string]func() *http.Request{
		"POST /mcp":      func() *http.Request { return mcpPost(callBody("whoami")) },
		"GET /mcp/tools": func() *http.Request { return protected(http.MethodGet, "/mcp/tools", "") },
	}
}

func TestUnavailableAuthenticatorFailsClosedWith503(t *testing.T) {
	const cause = "dial tcp 10.9.8.7:6379: connection refused"
	for name, req := range protectedRequests() {
		t.Run(name, func(t *testing.T) {
			authn := &fakeAuthenticator{err: fmt.Errorf("check revocation: %s: %w", cause, ports.ErrUnavailable)}
			e := newEdge(t, withAuthenticator(authn))
			rec := e.do(req())
			wantStatus(t, rec, http.StatusServiceUnavailable)
			if got := rec.Header().Get("Retry-After"); got == "" {
				t.Error("Retry-After is missing")
			}
			if got := decodeError(t, rec).Error; got != domain.CodeTemporarilyUnavailable {
				t.Errorf("error = %q, want %q", got, domain.CodeTemporarilyUnavailable)
			}
			if strings.Contains(rec.Body.String(), "10.9.8.7") || strings.Contains(rec.Body.String(), "connection refused") {
				t.Errorf("body leaks the cause: %s", rec.Body)
			}
			if n := len(e.mcp.hits()); n != 0 {
				t.Errorf("MCP handler reached %d times, want 0", n)
			}
		})
	}
}

func TestGenericVerifierErrorIsInvalidToken(t *testing.T) {
	const cause = "jwks: parse key at offset 17"
	for name, req := range protectedRequests() {
		t.Run(name, func(t *testing.T) {
			e := newEdge(t, withAuthenticator(&fakeAuthenticator{err: errors.New(cause)}))
			rec := e.do(req())
			wantStatus(t, rec, http.StatusUnauthorized)
			if got := decodeError(t, rec).Error; got != domain.CodeInvalidToken {
				t.Errorf("error = %q, want %q", got, domain.CodeInvalidToken)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			for _, want := range []string{"Bearer ", `error="invalid_token"`, `resource_metadata="` + testPRM + `"`} {
				if !strings.Contains(ch, want) {
					t.Errorf("WWW-Authenticate = %q, want it to contain %q", ch, want)
				}
			}
			if strings.Contains(rec.Body.String(), cause) || strings.Contains(ch, cause) {
				t.Errorf("response leaks the cause: %s / %s", rec.Body, ch)
			}
			if n := len(e.mcp.hits()); n != 0 {
				t.Errorf("MCP handler reached %d times, want 0", n)
			}
		})
	}
}

func TestMissingTokenChallengeHasNoErrorCode(t *testing.T) {
	authn := reader()
	e := newEdge(t, withAuthenticator(authn))
	req := mcpPost(callBody("whoami"))
	req.Header.Del("Authorization")
	rec := e.do(req)
	wantStatus(t, rec, http.StatusUnauthorized)
	ch := rec.Header().Get("WWW-Authenticate")
	want := `Bearer resource_metadata="` + testPRM + `", scope="read"`
	if ch != want {
		t.Errorf("WWW-Authenticate = %q, want %q", ch, want)
	}
	if strings.Contains(ch, "error=") {
		t.Errorf("challenge without credentials carries an error code (RFC 6750 §3.1): %q", ch)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if authn.count() != 0 || len(e.mcp.hits()) != 0 {
		t.Errorf("authenticator calls %d, MCP hits %d; want 0, 0", authn.count(), len(e.mcp.hits()))
	}
}

func TestMalformedAuthorizationIsRefusedBeforeVerification(t *testing.T) {
	tests := []struct {
		name      string
		edit      func(*http.Request)
		status    int
		code      string
		challenge bool
	}{
		{name: "token in query string", status: http.StatusBadRequest, code: domain.CodeInvalidRequest,
			edit: func(r *http.Request) { r.Header.Del("Authorization"); r.URL.RawQuery = "access_token=abc" }},
		{name: "query token besides a header", status: http.StatusBadRequest, code: domain.CodeInvalidRequest,
			edit: func(r *http.Request) { r.URL.RawQuery = "access_token=abc" }},
		{name: "two Authorization headers", status: http.StatusBadRequest, code: domain.CodeInvalidRequest,
			edit: func(r *http.Request) { r.Header.Add("Authorization", "Bearer other") }},
		{name: "basic scheme", status: http.StatusUnauthorized, code: domain.CodeInvalidToken, challenge: true,
			edit: func(r *http.Request) { r.Header.Set("Authorization", "Basic YTpi") }},
		{name: "bearer without a token", status: http.StatusUnauthorized, code: domain.CodeInvalidToken, challenge: true,
			edit: func(r *http.Request) { r.Header.Set("Authorization", "Bearer   ") }},
		{name: "scheme alone", status: http.StatusUnauthorized, code: domain.CodeInvalidToken, challenge: true,
			edit: func(r *http.Request) { r.Header.Set("Authorization", "Bearer") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			authn := reader()
			e := newEdge(t, withAuthenticator(authn))
			req := mcpPost(callBody("whoami"))
			tt.edit(req)
			rec := e.do(req)
			wantStatus(t, rec, tt.status)
			if got := decodeError(t, rec).Error; got != tt.code {
				t.Errorf("error = %q, want %q", got, tt.code)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			if tt.challenge != strings.Contains(ch, `error="invalid_token"`) {
				t.Errorf("WWW-Authenticate = %q, want invalid_token challenge: %v", ch, tt.challenge)
			}
			if authn.count() != 0 || len(e.mcp.hits()) != 0 {
				t.Errorf("authenticator calls %d, MCP hits %d; want 0, 0", authn.count(), len(e.mcp.hits()))
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	tests := []struct {
		name    string
		header  []string
		query   string
		wantTok string
		wantOK  bool
		wantErr string
	}{
		{name: "bearer", header: []string{"Bearer abc"}, wantTok: "abc", wantOK: true},
		{name: "scheme is case-insensitive", header: []string{"bEaReR abc"}, wantTok: "abc", wantOK: true},
		{name: "surrounding spaces trimmed", header: []string{"Bearer  abc "}, wantTok: "abc", wantOK: true},
		{name: "none", wantOK: false},
		{name: "query", query: "access_token=abc", wantErr: domain.CodeInvalidRequest},
		{name: "two headers", header: []string{"Bearer a", "Bearer b"}, wantErr: domain.CodeInvalidRequest},
		{name: "other scheme", header: []string{"DPoP abc"}, wantErr: domain.CodeInvalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/mcp?"+tt.query, nil)
			for _, h := range tt.header {
				req.Header.Add("Authorization", h)
			}
			tok, ok, err := bearerToken(req)
			if tt.wantErr != "" {
				var oe *domain.OAuthError
				if !errors.As(err, &oe) || oe.Code != tt.wantErr {
					t.Fatalf("bearerToken error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("bearerToken: %v", err)
			}
			if tok != tt.wantTok || ok != tt.wantOK {
				t.Errorf("bearerToken = (%q, %v), want (%q, %v)", tok, ok, tt.wantTok, tt.wantOK)
			}
		})
	}
}
