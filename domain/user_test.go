package domain_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestSessionSlide(t *testing.T) {
	created := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	base := domain.Session{CreatedAt: created, LastUsed: created, ExpiresAt: created.Add(time.Hour)}
	tests := []struct {
		name    string
		now     time.Time
		ttl     time.Duration
		maxAge  time.Duration
		wantExp time.Time
	}{
		{"extends", created.Add(30 * time.Minute), time.Hour, 0, created.Add(90 * time.Minute)},
		{"never shortens", created.Add(10 * time.Minute), 5 * time.Minute, 0, created.Add(time.Hour)},
		{"capped by max age", created.Add(50 * time.Minute), time.Hour, 80 * time.Minute, created.Add(80 * time.Minute)},
		{"under the cap", created.Add(10 * time.Minute), time.Hour, 8 * time.Hour, created.Add(70 * time.Minute)},
		{"cap below current expiry keeps it", created.Add(50 * time.Minute), time.Hour, 30 * time.Minute, created.Add(time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := base.Slide(tt.now, tt.ttl, tt.maxAge)
			if !got.ExpiresAt.Equal(tt.wantExp) {
				t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, tt.wantExp)
			}
			if !got.LastUsed.Equal(tt.now) {
				t.Errorf("LastUsed = %v, want %v", got.LastUsed, tt.now)
			}
			if !got.CreatedAt.Equal(created) {
				t.Errorf("CreatedAt = %v, want it unchanged (%v)", got.CreatedAt, created)
			}
		})
	}
	if !base.ExpiresAt.Equal(created.Add(time.Hour)) {
		t.Errorf("Slide changed its receiver: ExpiresAt = %v", base.ExpiresAt)
	}
}

func TestLogValueRedacts(t *testing.T) {
	tests := []struct {
		name   string
		v      slog.LogValuer
		secret string
		keep   string
	}{
		{"user", domain.User{Username: "alice", PasswordHash: "$argon2id$secret-hash", Scopes: domain.ParseScopes("read")}, "secret-hash", "alice"},
		{"signing key", domain.SigningKey{ID: "kid-1", Algorithm: "ES256", PrivateJWK: []byte(`{"d":"private-part"}`)}, "private-part", "kid-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			slog.New(slog.NewTextHandler(&b, nil)).Info("x", "v", tt.v)
			if strings.Contains(b.String(), tt.secret) {
				t.Errorf("log line leaks %q: %s", tt.secret, b.String())
			}
			if !strings.Contains(b.String(), tt.keep) {
				t.Errorf("log line lacks %q: %s", tt.keep, b.String())
			}
		})
	}
}
