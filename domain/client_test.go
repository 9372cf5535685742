package domain_test

import (
	"errors"
	"testing"

	"gatehouse/domain"
)

func TestClientMatchRedirectURI(t *testing.T) {
	tests := []struct {
		name       string
		registered []string
		requested  string
		want       bool
	}{
		{"exact https", []string{"https://app.example/cb"}, "https://app.example/cb", true},
		{"exact second of several", []string{"https://a.example/cb", "https://b.example/cb"}, "https://b.example/cb", true},
		{"exact private-use scheme", []string{"com.example.app:/cb"}, "com.example.app:/cb", true},
		{"exact with query", []string{"https://app.example/cb?x=1"}, "https://app.example/cb?x=1", true},
		{"https other path", []string{"https://app.example/cb"}, "https://app.example/cb2", false},
		{"https trailing slash", []string{"https://app.example/cb"}, "https://app.example/cb/", false},
		{"https host case differs", []string{"https://app.example/cb"}, "https://APP.example/cb", false},
		{"https extra query", []string{"https://app.example/cb"}, "https://app.example/cb?x=1", false},
		{"https never port-relaxed", []string{"https://app.example/cb"}, "https://app.example:8443/cb", false},
		{"https loopback never port-relaxed", []string{"https://localhost/cb"}, "https://localhost:8443/cb", false},
		{"no registered URIs", nil, "https://app.example/cb", false},
		{"empty request", []string{"https://app.example/cb"}, "", false},

		{"localhost any port", []string{"http://localhost/cb"}, "http://localhost:49152/cb", true},
		{"127.0.0.1 any port", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb", true},
		{"::1 any port", []string{"http://[::1]/cb"}, "http://[::1]:5000/cb", true},
		{"registered port replaced", []string{"http://127.0.0.1:8080/cb"}, "http://127.0.0.1:9090/cb", true},
		{"port dropped", []string{"http://127.0.0.1:8080/cb"}, "http://127.0.0.1/cb", true},
		{"loopback with matching query", []string{"http://127.0.0.1/cb?a=1"}, "http://127.0.0.1:7/cb?a=1", true},
		{"loopback other path", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/other", false},
		{"loopback escaped path", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/%63b", false},
		{"loopback other query", []string{"http://127.0.0.1/cb?a=1"}, "http://127.0.0.1:5000/cb?a=2", false},
		{"loopback added query", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb?a=1", false},
		{"loopback other loopback host", []string{"http://localhost/cb"}, "http://127.0.0.1:5000/cb", false},
		{"loopback to https", []string{"http://127.0.0.1/cb"}, "https://127.0.0.1:5000/cb", false},
		{"loopback userinfo", []string{"http://127.0.0.1/cb"}, "http://evil@127.0.0.1:5000/cb", false},
		{"loopback fragment", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb#x", false},
		{"loopback empty fragment", []string{"http://127.0.0.1/cb"}, "http://127.0.0.1:5000/cb#", false},
		{"non-loopback http not port-relaxed", []string{"http://app.example/cb"}, "http://app.example:8080/cb", false},
		{"localhost suffix is not loopback", []string{"http://localhost/cb"}, "http://localhost.evil.example:80/cb", false},
		{"private address is not loopback", []string{"http://10.0.0.1/cb"}, "http://10.0.0.1:81/cb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := domain.Client{RedirectURIs: tt.registered}
			if got := c.MatchRedirectURI(tt.requested); got != tt.want {
				t.Errorf("MatchRedirectURI(%q) with %q = %v, want %v", tt.requested, tt.registered, got, tt.want)
			}
		})
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"localhost.example", false},
		{"10.0.0.1", false},
		{"::", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			if got := domain.IsLoopbackHost(tt.host); got != tt.want {
				t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
			}
		})
	}
}

func TestValidateRedirectURI(t *testing.T) {
	tests := []struct {
		name    string
		uri     string
		wantErr bool
	}{
		{"https", "https://app.example/cb", false},
		{"https with query", "https://app.example/cb?x=1", false},
		{"http localhost", "http://localhost/cb", false},
		{"http 127.0.0.1 with port", "http://127.0.0.1:8080/cb", false},
		{"http ::1", "http://[::1]/cb", false},
		{"private-use scheme", "com.example.app:/oauth2redirect", false},
		{"http non-loopback", "http://app.example/cb", true},
		{"fragment", "https://app.example/cb#frag", true},
		{"empty fragment", "https://app.example/cb#", true},
		{"relative", "/cb", true},
		{"empty", "", true},
		{"https without host", "https:///cb", true},
		{"scheme without dot", "myapp:/cb", true},
		{"javascript", "javascript:alert(1)", true},
		{"unparsable", "https://app.example/%zz", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateRedirectURI(tt.uri)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateRedirectURI(%q) = %v, wantErr %v", tt.uri, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, domain.ErrInvalidRedirectURI("")) {
				t.Errorf("ValidateRedirectURI(%q) = %v, want invalid_redirect_uri", tt.uri, err)
			}
		})
	}
}

func TestClientPublicAndAllowsGrant(t *testing.T) {
	pub := domain.Client{TokenEndpointAuthMethod: domain.AuthMethodNone, GrantTypes: []string{domain.GrantAuthorizationCode}}
	conf := domain.Client{TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic}
	if !pub.Public() || conf.Public() {
		t.Errorf("Public(): none = %v, client_secret_basic = %v; want true, false", pub.Public(), conf.Public())
	}
	if !pub.AllowsGrant(domain.GrantAuthorizationCode) {
		t.Error("AllowsGrant(authorization_code) = false for a client that registered it")
	}
	if pub.AllowsGrant(domain.GrantRefreshToken) {
		t.Error("AllowsGrant(refresh_token) = true for a client that did not register it")
	}
}
