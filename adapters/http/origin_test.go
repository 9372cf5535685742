package http

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestOriginPolicy(t *testing.T) {
	tests := []struct {
		name    string
		base    string
		allowed []string
		host    string
		origin  string
		want    string
	}{
		{name: "own host", base: testBase, host: "localhost:8000"},
		{name: "host is case-insensitive", base: testBase, host: "LocalHost:8000"},
		{name: "loopback IPv4 alias", base: testBase, host: "127.0.0.1:8000"},
		{name: "loopback IPv6 alias", base: testBase, host: "[::1]:8000"},
		{name: "foreign host", base: testBase, host: "evil.example.com", want: "host not allowed"},
		{name: "foreign host with our port", base: testBase, host: "evil.example.com:8000", want: "host not allowed"},
		{name: "loopback on another port", base: testBase, host: "localhost:9999", want: "host not allowed"},
		{name: "loopback without port", base: testBase, host: "localhost", want: "host not allowed"},
		{name: "empty host", base: testBase, host: "", want: "host not allowed"},
		{name: "own origin", base: testBase, host: testHost, origin: "http://localhost:8000"},
		{name: "loopback origin alias", base: testBase, host: testHost, origin: "http://127.0.0.1:8000"},
		{name: "foreign origin", base: testBase, host: testHost, origin: "http://evil.example.com", want: "origin not allowed"},
		{name: "loopback origin on another port", base: testBase, host: testHost, origin: "http://localhost:9999", want: "origin not allowed"},
		{name: "null origin", base: testBase, host: testHost, origin: "null", want: "origin not allowed"},
		{name: "allowed origin", base: testBase, allowed: []string{"https://app.example.com"}, host: testHost, origin: "https://app.example.com"},
		{name: "allowed origin with explicit default port", base: testBase, allowed: []string{"https://app.example.com"}, host: testHost, origin: "https://app.example.com:443"},
		{name: "allowed origin over another scheme", base: testBase, allowed: []string{"https://app.example.com"}, host: testHost, origin: "http://app.example.com", want: "origin not allowed"},
		{name: "allowed origin subdomain", base: testBase, allowed: []string{"https://app.example.com"}, host: testHost, origin: "https://x.app.example.com", want: "origin not allowed"},
		{name: "wildcard admits any origin", base: testBase, allowed: []string{"*"}, host: testHost, origin: "https://anything.example.net"},
		{name: "wildcard keeps the host check", base: testBase, allowed: []string{"*"}, host: "evil.example.com", origin: "https://anything.example.net", want: "host not allowed"},
		{name: "https behind TLS proxy, host without port", base: "https://mcp.example.com", host: "mcp.example.com"},
		{name: "https with explicit port", base: "https://mcp.example.com", host: "mcp.example.com:443"},
		{name: "https own origin", base: "https://mcp.example.com", host: "mcp.example.com", origin: "https://mcp.example.com"},
		{name: "https foreign host", base: "https://mcp.example.com", host: "evil.example.com", want: "host not allowed"},
		{name: "https origin downgraded", base: "https://mcp.example.com", host: "mcp.example.com", origin: "http://mcp.example.com", want: "origin not allowed"},
		{name: "no loopback aliases for a public host", base: "https://mcp.example.com", host: "127.0.0.1:443", want: "host not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newOriginPolicy(tt.base, tt.allowed)
			req := httptest.NewRequest(http.MethodPost, "/mcp", nil)
			req.Host = tt.host
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			if got := p.check(req); got != tt.want {
				t.Errorf("check(Host %q, Origin %q) = %q, want %q", tt.host, tt.origin, got, tt.want)
			}
		})
	}
}

func TestAnyHostIsAnAllowedHost(t *testing.T) {
	for _, base := range []string{testBase, "https://mcp.example.com"} {
		p := newOriginPolicy(base, nil)
		if h := p.anyHost(); !p.hostAllowed(h) {
			t.Errorf("base %s: anyHost() = %q, which the policy refuses", base, h)
		}
	}
}

func TestForeignOriginOrHostRefusedBeforeAuthentication(t *testing.T) {
	tests := []struct {
		name string
		edit func(*http.Request)
	}{
		{name: "foreign origin", edit: func(r *http.Request) { r.Header.Set("Origin", "http://evil.example.com") }},
		{name: "null origin", edit: func(r *http.Request) { r.Header.Set("Origin", "null") }},
		{name: "rebound host", edit: func(r *http.Request) { r.Host = "evil.example.com" }},
	}
	for _, tt := range tests {
		for name, req := range protectedRequests() {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				authn := reader()
				e := newEdge(t, withAuthenticator(authn))
				r := req()
				tt.edit(r)
				rec := e.do(r)
				wantStatus(t, rec, http.StatusForbidden)
				if authn.count() != 0 {
					t.Errorf("authenticator called %d times, want 0", authn.count())
				}
				if n := len(e.mcp.hits()); n != 0 {
					t.Errorf("MCP handler reached %d times, want 0", n)
				}
				if got := rec.Header().Get("WWW-Authenticate"); got != "" {
					t.Errorf("WWW-Authenticate = %q, want none: this is no authentication failure", got)
				}
			})
		}
	}
}
