package clientmeta

import (
	"net/http"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestCacheExpiryAndEviction(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCache(2)
	put := func(key string, ttl time.Duration) {
		c.put(key, result{client: domain.Client{ID: key}}, now, ttl)
	}
	put("a", time.Minute)
	put("b", time.Minute)
	put("c", time.Minute) // evicts a, the oldest
	if _, ok := c.get("a", now); ok {
		t.Error("oldest entry a survived eviction")
	}
	for _, k := range []string{"b", "c"} {
		if r, ok := c.get(k, now); !ok || r.client.ID != k {
			t.Errorf("get(%q) = (%q, %v), want (%q, true)", k, r.client.ID, ok, k)
		}
	}
	if _, ok := c.get("b", now.Add(time.Minute)); ok {
		t.Error("entry b served at its expiry instant")
	}
	if c.len() != 1 {
		t.Errorf("len = %d after expired get, want 1", c.len())
	}
	put("c", 0) // a zero TTL drops what was there
	if _, ok := c.get("c", now); ok {
		t.Error("put with zero TTL left an entry")
	}
}

func TestResultCloneIsolatesSlices(t *testing.T) {
	orig := result{client: domain.Client{RedirectURIs: []string{"https://a.example/cb"}}}
	cp := orig.clone()
	cp.client.RedirectURIs[0] = "https://evil.example/cb"
	if orig.client.RedirectURIs[0] != "https://a.example/cb" {
		t.Error("mutating a clone changed the cached client")
	}
}

func TestFreshness(t *testing.T) {
	const def, limit = 5 * time.Minute, time.Hour
	tests := []struct {
		name  string
		value []string
		want  time.Duration
	}{
		{"absent", nil, def},
		{"max-age", []string{"max-age=60"}, time.Minute},
		{"max-age longer than default", []string{"public, max-age=1800"}, 30 * time.Minute},
		{"capped", []string{"max-age=999999"}, limit},
		{"huge", []string{"max-age=9223372036854775807"}, limit},
		{"zero", []string{"max-age=0"}, 0},
		{"quoted", []string{`max-age="120"`}, 2 * time.Minute},
		{"upper case", []string{"Max-Age=120"}, 2 * time.Minute},
		{"negative ignored", []string{"max-age=-5"}, def},
		{"garbage ignored", []string{"max-age=soon"}, def},
		{"no-store", []string{"max-age=600, no-store"}, 0},
		{"no-cache", []string{"no-cache"}, 0},
		{"two headers", []string{"public", "max-age=90"}, 90 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tt.value {
				h.Add("Cache-Control", v)
			}
			if got := freshness(h, def, limit); got != tt.want {
				t.Errorf("freshness(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestResultCloneIsolatesError(t *testing.T) {
	orig := result{err: domain.ErrInvalidClient("client_id in document does not match")}
	cp := orig.clone()
	cp.err.(*domain.OAuthError).Description = "changed"
	if got := orig.err.(*domain.OAuthError).Description; got != "client_id in document does not match" {
		t.Errorf("mutating a clone's error changed the cached one to %q", got)
	}
}
