package builtin

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
)

func TestIssuedClaims(t *testing.T) {
	e := newEnv(t, AlgES256)
	now := e.clock.Now()
	tests := []struct {
		name   string
		change func(*domain.AccessTokenClaims)
		want   map[string]any
	}{
		{
			name:   "one audience is a string",
			change: func(*domain.AccessTokenClaims) {},
			want: map[string]any{
				"iss": testIssuer, "sub": "alice", "aud": testResource,
				"exp": float64(now.Add(time.Hour).Unix()), "iat": float64(now.Unix()),
				"jti": "jti-1", "client_id": "client-1", "scope": "tools:call tools:read", "gid": "grant-1",
			},
		},
		{
			name: "many audiences are an array, empty grant and scope are omitted",
			change: func(c *domain.AccessTokenClaims) {
				c.Audience = []string{testResource, "https://other.example.com"}
				c.GrantID = ""
				c.Scopes = nil
			},
			want: map[string]any{
				"iss": testIssuer, "sub": "alice", "aud": []any{testResource, "https://other.example.com"},
				"exp": float64(now.Add(time.Hour).Unix()), "iat": float64(now.Unix()),
				"jti": "jti-1", "client_id": "client-1",
			},
		},
		{
			name: "explicit issuer and zero iat",
			change: func(c *domain.AccessTokenClaims) {
				c.Issuer = "https://elsewhere.example.com"
				c.IssuedAt = time.Time{}
			},
			want: map[string]any{
				"iss": "https://elsewhere.example.com", "sub": "alice", "aud": testResource,
				"exp": float64(now.Add(time.Hour).Unix()), "iat": float64(now.Unix()),
				"jti": "jti-1", "client_id": "client-1", "scope": "tools:call tools:read", "gid": "grant-1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.claims()
			tt.change(&c)
			got := segment(t, e.mustIssue(t, c), 1)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIssueRefusesIncompleteClaims(t *testing.T) {
	e := newEnv(t, AlgES256)
	tests := []struct {
		name   string
		change func(*domain.AccessTokenClaims)
	}{
		{"no subject", func(c *domain.AccessTokenClaims) { c.Subject = "" }},
		{"no client", func(c *domain.AccessTokenClaims) { c.ClientID = "" }},
		{"no jti", func(c *domain.AccessTokenClaims) { c.TokenID = "" }},
		{"no audience", func(c *domain.AccessTokenClaims) { c.Audience = nil }},
		{"empty audience", func(c *domain.AccessTokenClaims) { c.Audience = []string{""} }},
		{"exp before iat", func(c *domain.AccessTokenClaims) { c.ExpiresAt = c.IssuedAt.Add(-time.Second) }},
		{"no exp", func(c *domain.AccessTokenClaims) { c.ExpiresAt = time.Time{} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.claims()
			tt.change(&c)
			if tok, err := e.issuer.IssueAccessToken(t.Context(), c); err == nil {
				t.Errorf("issued %q", tok)
			}
		})
	}
}

func TestIssueWithoutKey(t *testing.T) {
	m := NewKeyManager(&fakeKeyStore{}, Config{Issuer: testIssuer})
	e := newEnv(t, AlgES256)
	_, err := NewIssuer(m).IssueAccessToken(t.Context(), e.claims())
	if !errors.Is(err, errNoSigningKey) {
		t.Errorf("err = %v, want errNoSigningKey", err)
	}
}
