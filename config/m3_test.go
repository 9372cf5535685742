package config

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestM3AliasesAreACompleteExternalConfig(t *testing.T) {
	env := []string{
		"M3_OAUTH2_ENABLED=true",
		"M3_OAUTH2_ISSUER_URL=https://idp.example/realms/m3",
		"M3_OAUTH2_AUDIENCE=m3-api",
		"M3_OAUTH2_REQUIRED_SCOPES=read:mimic-data openid,profile",
		"M3_OAUTH2_JWKS_URL=https://idp.example/realms/m3/certs",
		"M3_OAUTH2_CLIENT_ID=m3",
		"M3_OAUTH2_CLIENT_SECRET=m3-secret",
		"M3_OAUTH2_VALIDATE_EXP=true",
		"M3_OAUTH2_VALIDATE_AUD=false",
		"M3_OAUTH2_VALIDATE_ISS=true",
		"M3_OAUTH2_RATE_LIMIT_ENABLED=true",
		"M3_OAUTH2_RATE_LIMIT_REQUESTS=10",
		"M3_OAUTH2_RATE_LIMIT_WINDOW=60",
		"M3_OAUTH2_JWKS_CACHE_TTL=600",
		"M3_OAUTH2_DEBUG=true",
		"GATEHOUSE_SERVER__LISTEN=127.0.0.1:9000",
	}
	c := mustLoad(t, nil, env)

	want := External{
		IssuerURL:      "https://idp.example/realms/m3",
		Audience:       "m3-api",
		JWKSURL:        "https://idp.example/realms/m3/certs",
		Algorithms:     []string{"RS256", "ES256"},
		RequiredScopes: []string{"read:mimic-data", "openid", "profile"},
		ValidateExp:    true,
		ValidateAud:    false,
		ValidateIss:    true,
		Leeway:         30 * time.Second,
		JWKSCacheTTL:   10 * time.Minute,
		// Not M3 settings: Gatehouse's defaults.
		JWKSStaleWindow:        10 * time.Minute,
		JWKSMinRefreshInterval: 10 * time.Second,
		ClientID:               "m3",
		ClientSecret:           "m3-secret",
	}
	if diff := cmp.Diff(want, c.Auth.External); diff != "" {
		t.Errorf("auth.external (-want +got):\n%s", diff)
	}
	got := []any{c.Auth.Mode, c.Log.Level, c.RateLimit.Requests, c.RateLimit.Window, c.Audience()}
	wantRest := []any{"external", "debug", 10, time.Minute, "m3-api"}
	if diff := cmp.Diff(wantRest, got); diff != "" {
		t.Errorf("mode, log level, rate limit, audience (-want +got):\n%s", diff)
	}
}

func TestM3Aliases(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		check func(Config) any
		want  any
	}{
		{"audience defaults to the MCP URL",
			[]string{"M3_OAUTH2_ENABLED=true", "M3_OAUTH2_ISSUER_URL=https://idp.example"},
			func(c Config) any { return c.Audience() }, "http://localhost:8000/mcp"},
		{"enabled=false keeps the mode",
			[]string{"M3_OAUTH2_ENABLED=false", "M3_OAUTH2_ISSUER_URL=https://idp.example"},
			func(c Config) any { return c.Auth.Mode }, "builtin"},
		{"debug=false keeps the level", []string{"M3_OAUTH2_DEBUG=false"},
			func(c Config) any { return c.Log.Level }, "info"},
		{"GATEHOUSE_ beats the alias",
			[]string{"M3_OAUTH2_RATE_LIMIT_REQUESTS=10", "GATEHOUSE_RATELIMIT__REQUESTS=20"},
			func(c Config) any { return c.RateLimit.Requests }, 20},
		{"GATEHOUSE_ mode beats enabled",
			[]string{"M3_OAUTH2_ENABLED=true", "GATEHOUSE_AUTH__MODE=builtin"},
			func(c Config) any { return c.Auth.Mode }, "builtin"},
		{"window in Go syntax too", []string{"M3_OAUTH2_RATE_LIMIT_WINDOW=2m"},
			func(c Config) any { return c.RateLimit.Window }, 2 * time.Minute},
		{"rate limit off", []string{"M3_OAUTH2_RATE_LIMIT_ENABLED=false"},
			func(c Config) any { return c.RateLimit.Enabled }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, nil, tt.env)
			if diff := cmp.Diff(tt.want, tt.check(c)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestM3AliasOverridesYAML(t *testing.T) {
	file := writeYAML(t, "auth: {mode: external, external: {issuer_url: 'https://yaml.example'}}\n"+
		"server: {base_url: 'https://gh.example'}\n")
	c := mustLoad(t, []string{"--config", file}, []string{"M3_OAUTH2_ISSUER_URL=https://env.example"})
	if c.Auth.External.IssuerURL != "https://env.example" {
		t.Errorf("issuer_url = %q, want the alias to override YAML", c.Auth.External.IssuerURL)
	}
}

func TestM3Errors(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"enabled not a boolean", []string{"M3_OAUTH2_ENABLED=yes please"},
			[]string{"auth.mode: invalid boolean", "M3_OAUTH2_ENABLED"}},
		{"requests not a number", []string{"M3_OAUTH2_RATE_LIMIT_REQUESTS=ten"},
			[]string{"ratelimit.requests: invalid integer", "M3_OAUTH2_RATE_LIMIT_REQUESTS"}},
		{"enabled without issuer", []string{"M3_OAUTH2_ENABLED=true"},
			[]string{"auth.external.issuer_url: required when auth.mode=external"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, tt.env)
			wantErr(t, err, tt.want...)
		})
	}
}
