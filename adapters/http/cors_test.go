package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const (
	appOrigin  = "https://app.example.com"
	evilOrigin = "https://evil.example.com"
)

func withCORS(origins ...string) option {
	return withConfig(func(c *Config) { c.CORSOrigins = origins })
}

type corsRoute struct {
	path    string
	methods []string
}

// corsRoutes are the routes browser clients call, with their methods.
func corsRoutes() []corsRoute {
	return []corsRoute{
		{"/auth/token", []string{http.MethodPost}},
		{"/auth/register", []string{http.MethodPost}},
		{"/auth/revoke", []string{http.MethodPost}},
		{"/auth/introspect", []string{http.MethodPost}},
		{"/mcp", []string{http.MethodGet, http.MethodPost, http.MethodDelete}},
		{"/mcp/tools", []string{http.MethodGet}},
		{"/mcp/execute/whoami", []string{http.MethodPost}},
		{"/mcp/session/create", []string{http.MethodPost}},
		{"/mcp/session/abc/execute/whoami", []string{http.MethodPost}},
		{"/mcp/session/abc", []string{http.MethodDelete}},
	}
}

func preflight(path, origin, method string) *http.Request {
	req := httptest.NewRequest(http.MethodOptions, path, nil)
	req.Host = testHost
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, mcp-protocol-version")
	return req
}

// headerList splits a comma-separated header into its trimmed items.
func headerList(h http.Header, key string) []string {
	var out []string
	for _, v := range h.Values(key) {
		for item := range strings.SplitSeq(v, ",") {
			out = append(out, strings.TrimSpace(item))
		}
	}
	return out
}

func TestCORSPreflight(t *testing.T) {
	tests := []struct {
		name      string
		origins   []string
		origin    string
		wantAllow string // Access-Control-Allow-Origin; "" for none
		wantVary  bool
	}{
		{name: "listed origin", origins: []string{appOrigin}, origin: appOrigin, wantAllow: appOrigin, wantVary: true},
		{name: "listed origin, explicit default port", origins: []string{appOrigin}, origin: appOrigin + ":443", wantAllow: appOrigin + ":443", wantVary: true},
		{name: "listed with a trailing slash", origins: []string{appOrigin + "/"}, origin: appOrigin, wantAllow: appOrigin, wantVary: true},
		{name: "unlisted origin", origins: []string{appOrigin}, origin: evilOrigin, wantVary: true},
		{name: "listed origin over http", origins: []string{appOrigin}, origin: "http://app.example.com", wantVary: true},
		{name: "null origin", origins: []string{appOrigin}, origin: "null", wantVary: true},
		{name: "no CORS origins configured", origin: appOrigin, wantVary: true},
		{name: "wildcard", origins: []string{"*"}, origin: evilOrigin, wantAllow: "*"},
	}
	for _, tt := range tests {
		for _, r := range corsRoutes() {
			t.Run(tt.name+"/"+r.path, func(t *testing.T) {
				authn := reader()
				e := newEdge(t, withCORS(tt.origins...), withAuthenticator(authn))
				rec := e.do(preflight(r.path, tt.origin, r.methods[0]))
				wantStatus(t, rec, http.StatusNoContent)
				h := rec.Header()
				if got := h.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
					t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
				}
				if got := slices.Contains(headerList(h, "Vary"), "Origin"); got != tt.wantVary {
					t.Errorf("Vary: Origin present %v, want %v (Vary %q)", got, tt.wantVary, h.Values("Vary"))
				}
				if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
					t.Errorf("Access-Control-Allow-Credentials = %q, want none", got)
				}
				if authn.count() != 0 {
					t.Errorf("preflight authenticated %d times, want 0", authn.count())
				}
				if tt.wantAllow == "" {
					if got := h.Get("Access-Control-Allow-Methods"); got != "" {
						t.Errorf("refused origin got Access-Control-Allow-Methods %q", got)
					}
					return
				}
				wantMethods := append(slices.Clone(r.methods), http.MethodOptions)
				if got := headerList(h, "Access-Control-Allow-Methods"); !slices.Equal(got, wantMethods) {
					t.Errorf("Access-Control-Allow-Methods = %q, want %q", got, wantMethods)
				}
				wantHeaders := []string{"Authorization", "Content-Type", "Mcp-Session-Id", "MCP-Protocol-Version", "Mcp-Method", "Mcp-Name", "Last-Event-ID"}
				if got := headerList(h, "Access-Control-Allow-Headers"); !slices.Equal(got, wantHeaders) {
					t.Errorf("Access-Control-Allow-Headers = %q, want %q", got, wantHeaders)
				}
			})
		}
	}
}

func TestCORSActualRequests(t *testing.T) {
	wantExpose := []string{"Mcp-Session-Id", "WWW-Authenticate", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"}
	tokenReq := func() *http.Request {
		req := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}})
		req.Header.Set("Authorization", basicAuth(confID, confSecret))
		return req
	}
	noToken := func() *http.Request {
		req := mcpPost(callBody("whoami"))
		req.Header.Del("Authorization")
		return req
	}
	tests := []struct {
		name       string
		origins    []string
		origin     string
		req        func() *http.Request
		wantStatus int
		wantAllow  string
	}{
		{name: "token, listed origin", origins: []string{appOrigin}, origin: appOrigin, req: tokenReq, wantStatus: http.StatusOK, wantAllow: appOrigin},
		{name: "token, unlisted origin", origins: []string{appOrigin}, origin: evilOrigin, req: tokenReq, wantStatus: http.StatusOK},
		{name: "token, wildcard", origins: []string{"*"}, origin: evilOrigin, req: tokenReq, wantStatus: http.StatusOK, wantAllow: "*"},
		{
			name: "mcp with a token, listed origin passes the Origin check", origins: []string{appOrigin}, origin: appOrigin,
			req: func() *http.Request { return mcpPost(callBody("whoami")) }, wantStatus: http.StatusOK, wantAllow: appOrigin,
		},
		{
			name: "mcp challenge readable by a listed origin", origins: []string{appOrigin}, origin: appOrigin,
			req: noToken, wantStatus: http.StatusUnauthorized, wantAllow: appOrigin,
		},
		{
			name: "mcp refuses an unlisted origin", origins: []string{appOrigin}, origin: evilOrigin,
			req: noToken, wantStatus: http.StatusForbidden,
		},
		{
			name: "mcp with wildcard admits any origin", origins: []string{"*"}, origin: evilOrigin,
			req: func() *http.Request { return mcpPost(callBody("whoami")) }, wantStatus: http.StatusOK, wantAllow: "*",
		},
		{
			name: "REST tools, listed origin", origins: []string{appOrigin}, origin: appOrigin,
			req: func() *http.Request { return protected(http.MethodGet, "/mcp/tools", "") }, wantStatus: http.StatusOK, wantAllow: appOrigin,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withCORS(tt.origins...), withAuthenticator(reader()))
			req := tt.req()
			req.Header.Set("Origin", tt.origin)
			rec := e.do(req)
			wantStatus(t, rec, tt.wantStatus)
			h := rec.Header()
			if got := h.Get("Access-Control-Allow-Origin"); got != tt.wantAllow {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantAllow)
			}
			if got := h.Get("Access-Control-Allow-Credentials"); got != "" {
				t.Errorf("Access-Control-Allow-Credentials = %q, want none", got)
			}
			if tt.wantAllow == "" {
				if got := h.Get("Access-Control-Expose-Headers"); got != "" {
					t.Errorf("refused origin got Access-Control-Expose-Headers %q", got)
				}
				return
			}
			if got := headerList(h, "Access-Control-Expose-Headers"); !slices.Equal(got, wantExpose) {
				t.Errorf("Access-Control-Expose-Headers = %q, want %q", got, wantExpose)
			}
			if tt.wantAllow != "*" && !slices.Contains(headerList(h, "Vary"), "Origin") {
				t.Errorf("Vary = %q, want Origin among them", h.Values("Vary"))
			}
		})
	}
}

func TestCORSOnRateLimitedAnswer(t *testing.T) {
	e := newEdge(t, oauthLimit(), withCORS(appOrigin))
	var rec *httptest.ResponseRecorder
	for range 3 {
		req := tokenFrom("203.0.113.5:1111", "")
		req.Header.Set("Origin", appOrigin)
		rec = e.do(req)
	}
	wantStatus(t, rec, http.StatusTooManyRequests)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("Access-Control-Allow-Origin = %q, want %q: the client cannot read Retry-After", got, appOrigin)
	}
}

func TestDiscoveryDocumentsPreflightForAnyOrigin(t *testing.T) {
	for _, path := range []string{
		"/.well-known/oauth-protected-resource",
		"/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-authorization-server",
		"/.well-known/openid-configuration",
		"/auth/jwks.json",
	} {
		t.Run(path, func(t *testing.T) {
			e := newEdge(t, withCORS(appOrigin))
			rec := e.do(preflight(path, evilOrigin, http.MethodGet))
			wantStatus(t, rec, http.StatusNoContent)
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
				t.Errorf("Access-Control-Allow-Origin = %q, want *", got)
			}
		})
	}
}

func TestBrowserPagesHaveNoCORS(t *testing.T) {
	for _, path := range []string{"/auth/authorize", "/auth/login", "/auth/consent", "/auth/register/client"} {
		t.Run(path, func(t *testing.T) {
			e := newEdge(t, withCORS("*"))
			rec := e.do(preflight(path, appOrigin, http.MethodPost))
			if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("preflight status %d with Access-Control-Allow-Origin %q, want none", rec.Code, got)
			}
		})
	}
}
