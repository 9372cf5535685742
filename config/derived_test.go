package config

import "testing"

func TestDerived(t *testing.T) {
	tests := []struct {
		name                         string
		baseURL, issuer, audience    string
		wantIssuer, wantMCP, wantAud string
	}{
		{
			name:    "defaults to base URL",
			baseURL: "https://gh.example", wantIssuer: "https://gh.example",
			wantMCP: "https://gh.example/mcp", wantAud: "https://gh.example/mcp",
		},
		{
			name:    "trailing slash ignored",
			baseURL: "https://gh.example/base/", wantIssuer: "https://gh.example/base",
			wantMCP: "https://gh.example/base/mcp", wantAud: "https://gh.example/base/mcp",
		},
		{
			name:    "explicit issuer and audience",
			baseURL: "https://gh.example", issuer: "https://id.example/", audience: "api://gatehouse",
			wantIssuer: "https://id.example", wantMCP: "https://gh.example/mcp", wantAud: "api://gatehouse",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults()
			c.Server.BaseURL = tt.baseURL
			c.Auth.Builtin.Issuer = tt.issuer
			c.Auth.External.Audience = tt.audience
			if got := c.Issuer(); got != tt.wantIssuer {
				t.Errorf("Issuer() = %q, want %q", got, tt.wantIssuer)
			}
			if got := c.MCPURL(); got != tt.wantMCP {
				t.Errorf("MCPURL() = %q, want %q", got, tt.wantMCP)
			}
			if got := c.Audience(); got != tt.wantAud {
				t.Errorf("Audience() = %q, want %q", got, tt.wantAud)
			}
		})
	}
}

func TestToolPrefix(t *testing.T) {
	tests := []struct {
		name string
		u    Upstream
		want string
	}{
		{name: "default", u: Upstream{Name: "everything"}, want: "everything_"},
		{name: "explicit", u: Upstream{Name: "everything", Prefix: ptr("ev.")}, want: "ev."},
		{name: "none", u: Upstream{Name: "everything", Prefix: ptr("")}, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.u.ToolPrefix(); got != tt.want {
				t.Errorf("ToolPrefix() = %q, want %q", got, tt.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
