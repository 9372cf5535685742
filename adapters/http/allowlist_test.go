package http

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/domain"
)

func TestIPAllowlist(t *testing.T) {
	list := []string{"203.0.113.0/24", "198.51.100.7", "2001:db8::/32"}
	tests := []struct {
		name    string
		list    []string
		trusted []string
		method  string
		path    string
		remote  string
		xff     string
		want    int
	}{
		{name: "no list admits everyone", remote: "192.0.2.1:1000", want: http.StatusOK},
		{name: "inside a CIDR", list: list, remote: "203.0.113.9:1000", want: http.StatusOK},
		{name: "the single address", list: list, remote: "198.51.100.7:1000", want: http.StatusOK},
		{name: "next to the single address", list: list, remote: "198.51.100.8:1000", want: http.StatusForbidden},
		{name: "outside", list: list, remote: "192.0.2.1:1000", want: http.StatusForbidden},
		{name: "inside an IPv6 CIDR", list: list, remote: "[2001:db8::1]:1000", want: http.StatusOK},
		{name: "outside the IPv6 CIDR", list: list, remote: "[2001:db9::1]:1000", want: http.StatusForbidden},
		{name: "IPv4-mapped IPv6 peer", list: list, remote: "[::ffff:203.0.113.9]:1000", want: http.StatusOK},
		{name: "unknown path outside", list: list, path: "/nope", remote: "192.0.2.1:1000", want: http.StatusForbidden},
		{name: "preflight outside", list: list, method: http.MethodOptions, path: "/auth/token", remote: "192.0.2.1:1000", want: http.StatusForbidden},
		{name: "healthz probe outside", list: list, path: "/healthz", remote: "192.0.2.1:1000", want: http.StatusOK},
		{name: "readyz probe outside", list: list, path: "/readyz", remote: "192.0.2.1:1000", want: http.StatusOK},
		{name: "POST to healthz is no probe", list: list, method: http.MethodPost, path: "/healthz", remote: "192.0.2.1:1000", want: http.StatusForbidden},
		{name: "metrics are not exempt", list: list, path: "/metrics", remote: "192.0.2.1:1000", want: http.StatusForbidden},
		{
			name: "client named by a trusted proxy", list: list, trusted: []string{"10.0.0.0/8"},
			remote: "10.0.0.1:1000", xff: "203.0.113.9", want: http.StatusOK,
		},
		{
			name: "outsider named by a trusted proxy", list: list, trusted: []string{"10.0.0.0/8"},
			remote: "10.0.0.1:1000", xff: "192.0.2.1", want: http.StatusForbidden,
		},
		{
			name: "outsider claiming an allowed address", list: list, trusted: []string{"10.0.0.0/8"},
			remote: "192.0.2.1:1000", xff: "203.0.113.9", want: http.StatusForbidden,
		},
		{
			name: "forwarded-for ignored without trusted proxies", list: list,
			remote: "192.0.2.1:1000", xff: "203.0.113.9", want: http.StatusForbidden,
		},
		{
			name: "spoofed hop before the trusted proxy's", list: list, trusted: []string{"10.0.0.0/8"},
			remote: "10.0.0.1:1000", xff: "203.0.113.9, 192.0.2.1", want: http.StatusForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t,
				withConfig(func(c *Config) { c.IPAllowlist, c.TrustedProxies = tt.list, tt.trusted }),
				withDeps(func(d *Deps) { d.Metrics = http.NotFoundHandler() }))
			method, path := tt.method, tt.path
			if method == "" {
				method = http.MethodGet
			}
			if path == "" {
				path = "/.well-known/oauth-protected-resource/mcp"
			}
			req := httptest.NewRequest(method, path, nil)
			req.RemoteAddr = tt.remote
			req.Header.Set("Origin", "https://app.example.com")
			req.Header.Set("Access-Control-Request-Method", http.MethodPost)
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			rec := e.do(req)
			if got := rec.Code == http.StatusForbidden; got != (tt.want == http.StatusForbidden) {
				t.Fatalf("%s %s from %s (XFF %q): status %d, want %d; body: %s",
					method, path, tt.remote, tt.xff, rec.Code, tt.want, rec.Body)
			}
			if tt.want != http.StatusForbidden {
				wantStatus(t, rec, tt.want)
				return
			}
			if got := decodeError(t, rec).Error; got != domain.CodeAccessDenied {
				t.Errorf("error = %q, want %q", got, domain.CodeAccessDenied)
			}
			if strings.Contains(rec.Body.String(), "192.0.2.1") {
				t.Errorf("body echoes the client address: %s", rec.Body)
			}
		})
	}
}

func TestIPAllowlistStopsRequestsBeforeAuthentication(t *testing.T) {
	authn := reader()
	e := newEdge(t, withAuthenticator(authn), withConfig(func(c *Config) { c.IPAllowlist = []string{"203.0.113.0/24"} }))
	req := mcpPost(callBody("whoami"))
	req.RemoteAddr = "192.0.2.1:1000"
	wantStatus(t, e.do(req), http.StatusForbidden)
	if authn.count() != 0 || len(e.mcp.hits()) != 0 {
		t.Errorf("authenticator called %d times, MCP reached %d times; want 0 and 0", authn.count(), len(e.mcp.hits()))
	}
}

func TestIPAllowlistAllows(t *testing.T) {
	l := parseAllowlist([]string{"10.1.2.3/8", "fe80::1%eth0", "::1"})
	tests := []struct {
		ip   string
		want bool
	}{
		{ip: "10.200.0.1", want: true}, // the prefix is masked, not exact
		{ip: "11.0.0.1", want: false},
		{ip: "fe80::1", want: true},
		{ip: "fe80::1%eth1", want: true},
		{ip: "fe80::2", want: false},
		{ip: "::1", want: true},
		{ip: "", want: false},
		{ip: "not-an-ip", want: false},
	}
	for _, tt := range tests {
		if got := l.allows(tt.ip); got != tt.want {
			t.Errorf("allows(%q) = %v, want %v", tt.ip, got, tt.want)
		}
	}
}

func TestParseAllowlistPanicsOnInvalidEntry(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("no panic for an invalid entry")
		}
		if msg, _ := r.(string); !strings.Contains(msg, `"10.0.0.0/33"`) || !strings.Contains(msg, "server.ip_allowlist") {
			t.Errorf("panic message %v does not name the entry and the key", r)
		}
	}()
	parseAllowlist([]string{"10.0.0.0/8", "10.0.0.0/33"})
}

// The MCP and OAuth lists each guard their own endpoints and nothing else;
// a client spoofing X-Forwarded-For from an untrusted peer gains nothing.
func TestEndpointAllowlists(t *testing.T) {
	mcpOnly := []string{"2001:db8:1::/48"}
	oauthOnly := []string{"198.51.100.0/24"}
	tests := []struct {
		name, path, remote, xff string
		forbidden               bool
	}{
		{"MCP from its list (IPv6)", "/mcp/tools", "[2001:db8:1::5]:1000", "", false},
		{"MCP from outside its list", "/mcp/tools", "198.51.100.5:1000", "", true},
		{"MCP spoofing an allowed address", "/mcp/tools", "198.51.100.5:1000", "2001:db8:1::5", true},
		{"OAuth from its list", "/auth/jwks.json", "198.51.100.5:1000", "", false},
		{"OAuth from outside its list", "/auth/jwks.json", "[2001:db8:1::5]:1000", "", true},
		{"OAuth metadata from outside its list", "/.well-known/oauth-authorization-server", "[2001:db8:1::5]:1000", "", true},
		{"OAuth spoofing an allowed address", "/auth/jwks.json", "[2001:db8:1::5]:1000", "198.51.100.5", true},
		{"resource metadata is neither", "/.well-known/oauth-protected-resource/mcp", "192.0.2.9:1000", "", false},
	}
	e := newEdge(t, withConfig(func(c *Config) { c.MCPIPAllowlist, c.OAuthIPAllowlist = mcpOnly, oauthOnly }))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			rec := e.do(req)
			refused := rec.Code == http.StatusForbidden && strings.Contains(rec.Body.String(), "client address is not allowed")
			if refused != tt.forbidden {
				t.Fatalf("GET %s from %s (XFF %q): status %d, refused by address want %v; body %s", tt.path, tt.remote, tt.xff, rec.Code, tt.forbidden, rec.Body)
			}
		})
	}
}

// Every response carries nosniff and no-referrer; HSTS only under https.
func TestSecurityHeaders(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newEdge(t, withConfig(func(c *Config) { c.Secure = secure }))
		for _, path := range []string{"/healthz", "/.well-known/oauth-protected-resource/mcp", "/mcp/tools", "/nope"} {
			rec := e.do(httptest.NewRequest(http.MethodGet, path, nil))
			h := rec.Header()
			if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" {
				t.Errorf("%s (secure %v): headers %v lack nosniff or no-referrer", path, secure, h)
			}
			if hsts := h.Get("Strict-Transport-Security"); (hsts != "") != secure {
				t.Errorf("%s (secure %v): Strict-Transport-Security %q", path, secure, hsts)
			}
		}
	}
}

// A body larger than any request needs is refused with 413 before a handler
// reads it.
func TestBodyLimit(t *testing.T) {
	e := newEdge(t)
	req := httptest.NewRequest(http.MethodPost, "/auth/token", strings.NewReader(strings.Repeat("a", maxMCPBody+1)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec := e.do(req); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d, want 413", rec.Code)
	}
}
