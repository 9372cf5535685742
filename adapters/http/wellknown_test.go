package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/ports"
)

func getJSON(t *testing.T, e *edge, path string) map[string]any {
	t.Helper()
	rec := e.do(httptest.NewRequest(http.MethodGet, path, nil))
	wantStatus(t, rec, http.StatusOK)
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("%s: Access-Control-Allow-Origin = %q, want *", path, got)
	}
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

func TestAuthServerMetadata(t *testing.T) {
	const base = "https://auth.example.com"
	endpoints := map[string]string{
		"authorization_endpoint": "/auth/authorize",
		"token_endpoint":         "/auth/token",
		"jwks_uri":               "/auth/jwks.json",
		"revocation_endpoint":    "/auth/revoke",
		"introspection_endpoint": "/auth/introspect",
	}
	tests := []struct {
		name         string
		baseURL      string
		registration bool
	}{
		{name: "registration on", baseURL: base, registration: true},
		{name: "registration off", baseURL: base, registration: false},
		{name: "trailing slash in base URL", baseURL: base + "/", registration: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withConfig(func(c *Config) {
				c.BaseURL, c.Issuer, c.RegistrationEnabled = tt.baseURL, base, tt.registration
			}))
			for _, path := range []string{
				"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration",
				"/auth/.well-known/oauth-authorization-server", "/auth/.well-known/openid-configuration",
			} {
				m := getJSON(t, e, path)
				if m["issuer"] != base {
					t.Errorf("%s: issuer = %v, want exactly %s", path, m["issuer"], base)
				}
				for key, p := range endpoints {
					if m[key] != base+p {
						t.Errorf("%s: %s = %v, want %s", path, key, m[key], base+p)
					}
				}
				reg, ok := m["registration_endpoint"]
				if ok != tt.registration || (ok && reg != base+"/auth/register") {
					t.Errorf("%s: registration_endpoint = %v (present %v), want present %v", path, reg, ok, tt.registration)
				}
				if diff := cmp.Diff([]any{"S256"}, m["code_challenge_methods_supported"]); diff != "" {
					t.Errorf("%s: code_challenge_methods_supported (-want +got):\n%s", path, diff)
				}
				if m["authorization_response_iss_parameter_supported"] != true {
					t.Errorf("%s: authorization_response_iss_parameter_supported = %v", path, m["authorization_response_iss_parameter_supported"])
				}
				if diff := cmp.Diff([]any{"read", "write", "admin"}, m["scopes_supported"]); diff != "" {
					t.Errorf("%s: scopes_supported (-want +got):\n%s", path, diff)
				}
			}
		})
	}
}

func TestProtectedResourceMetadata(t *testing.T) {
	tests := []struct {
		name, base, mcp, issuer string
		external                bool
	}{
		{name: "builtin", base: "https://mcp.example.com", mcp: "https://mcp.example.com/mcp", issuer: "https://mcp.example.com"},
		{name: "loopback with port", base: testBase, mcp: testMCPURL, issuer: testBase},
		{name: "external issuer", base: "https://mcp.example.com", mcp: "https://mcp.example.com/mcp",
			issuer: "https://idp.example.org/realms/x", external: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []option{withConfig(func(c *Config) { c.BaseURL, c.MCPURL, c.Issuer = tt.base, tt.mcp, tt.issuer })}
			if tt.external {
				opts = append(opts, externalMode())
			}
			e := newEdge(t, opts...)
			for path, resource := range map[string]string{
				"/.well-known/oauth-protected-resource/mcp": tt.mcp,
				"/.well-known/oauth-protected-resource":     tt.base,
			} {
				m := getJSON(t, e, path)
				if m["resource"] != resource {
					t.Errorf("%s: resource = %v, want %s", path, m["resource"], resource)
				}
				if diff := cmp.Diff([]any{tt.issuer}, m["authorization_servers"]); diff != "" {
					t.Errorf("%s: authorization_servers (-want +got):\n%s", path, diff)
				}
				if diff := cmp.Diff([]any{"header"}, m["bearer_methods_supported"]); diff != "" {
					t.Errorf("%s: bearer_methods_supported (-want +got):\n%s", path, diff)
				}
				if diff := cmp.Diff([]any{"read"}, m["scopes_supported"]); diff != "" {
					t.Errorf("%s: scopes_supported (-want +got):\n%s", path, diff)
				}
				jwks, ok := m["jwks_uri"]
				if ok == tt.external || (ok && jwks != tt.base+"/auth/jwks.json") {
					t.Errorf("%s: jwks_uri = %v (present %v), want present %v", path, jwks, ok, !tt.external)
				}
			}
		})
	}
}

func TestExternalModeServesNoAuthorizationServer(t *testing.T) {
	e := newEdge(t, externalMode())
	for _, path := range []string{"/.well-known/oauth-authorization-server", "/auth/jwks.json", "/auth/authorize"} {
		wantStatus(t, e.do(httptest.NewRequest(http.MethodGet, path, nil)), http.StatusNotFound)
	}
	wantStatus(t, e.do(formPost("/auth/token", nil)), http.StatusNotFound)
}

func TestJWKS(t *testing.T) {
	t.Run("published", func(t *testing.T) {
		e := newEdge(t)
		rec := e.do(httptest.NewRequest(http.MethodGet, "/auth/jwks.json", nil))
		wantStatus(t, rec, http.StatusOK)
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &set); err != nil || len(set.Keys) == 0 {
			t.Fatalf("JWKS = %s (%v), want a key set", rec.Body, err)
		}
		if _, private := set.Keys[0]["d"]; private {
			t.Error("JWKS publishes a private key")
		}
		if got := rec.Header().Get("Cache-Control"); !strings.Contains(got, "max-age") {
			t.Errorf("Cache-Control = %q, want max-age", got)
		}
	})
	t.Run("key store down", func(t *testing.T) {
		e := newEdge(t, withDeps(func(d *Deps) {
			d.JWKS = func(context.Context) ([]byte, error) { return nil, fmt.Errorf("list keys: %w", ports.ErrUnavailable) }
		}))
		rec := e.do(httptest.NewRequest(http.MethodGet, "/auth/jwks.json", nil))
		wantStatus(t, rec, http.StatusServiceUnavailable)
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	})
}
