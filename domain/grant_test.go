package domain_test

import (
	"testing"
	"time"

	"gatehouse/domain"
)

func TestGrantActive(t *testing.T) {
	now := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		g    domain.Grant
		want bool
	}{
		{"live", domain.Grant{ExpiresAt: now.Add(time.Second)}, true},
		{"expires exactly now", domain.Grant{ExpiresAt: now}, false},
		{"expired", domain.Grant{ExpiresAt: now.Add(-time.Second)}, false},
		{"revoked", domain.Grant{ExpiresAt: now.Add(time.Hour), RevokedAt: now.Add(-time.Minute)}, false},
		{"zero expiry", domain.Grant{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.g.Active(now); got != tt.want {
				t.Errorf("Active(%v) = %v, want %v", now, got, tt.want)
			}
		})
	}
}

func TestConsentCovers(t *testing.T) {
	c := domain.Consent{Scopes: domain.ParseScopes("read write")}
	tests := []struct {
		asked string
		want  bool
	}{
		{"read", true},
		{"read write", true},
		{"read admin", false},
	}
	for _, tt := range tests {
		t.Run(tt.asked, func(t *testing.T) {
			if got := c.Covers(domain.ParseScopes(tt.asked)); got != tt.want {
				t.Errorf("Covers(%q) = %v, want %v", tt.asked, got, tt.want)
			}
		})
	}
}
