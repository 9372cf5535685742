package builtin

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestCacheAnswersOnlyForLiveTokensOfPublishedKeys(t *testing.T) {
	e := newEnv(t, AlgES256)
	c := e.claims()
	c.ExpiresAt = c.IssuedAt.Add(time.Hour)
	tok := e.mustIssue(t, c)
	p, err := e.verify.VerifyAccessToken(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := e.verify.cache.get(sha256.Sum256([]byte(tok)), e.clock.Now()); !ok {
		t.Fatal("verified token not cached")
	}
	// A caller mutating its principal must not alter the cached one.
	p.Scopes[0] = "admin"
	again, err := e.verify.VerifyAccessToken(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if again.Scopes.Has("admin") {
		t.Errorf("cached principal was mutated through a returned one: %v", again.Scopes)
	}

	// The key is withdrawn while the token would still be live.
	if _, err := e.keys.Rotate(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	_, err = e.verify.VerifyAccessToken(t.Context(), tok)
	wantInvalid(t, err, "unknown signing key")
}

func TestCacheExpiry(t *testing.T) {
	c := newTokenCache(10)
	now := time.Unix(1_000_000, 0)
	key := sha256.Sum256([]byte("t"))
	c.put(key, cachedToken{principal: domain.Principal{ExpiresAt: now.Add(time.Minute)}, kid: "k"}, now)
	if _, ok := c.get(key, now.Add(time.Minute-time.Nanosecond)); !ok {
		t.Error("entry missing before exp")
	}
	if _, ok := c.get(key, now.Add(time.Minute)); ok {
		t.Error("entry answered at exp")
	}
}

func TestCacheBounded(t *testing.T) {
	for _, limit := range []int{1, 2, 8, 100} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			c := newTokenCache(limit)
			now := time.Unix(1_000_000, 0)
			for i := range 3 * limit {
				key := sha256.Sum256([]byte(fmt.Sprint(i)))
				c.put(key, cachedToken{principal: domain.Principal{ExpiresAt: now.Add(time.Hour)}}, now)
				if n := len(c.entries); n > limit {
					t.Fatalf("after %d puts the cache holds %d entries, limit %d", i+1, n, limit)
				}
			}
		})
	}
}

func TestCacheEvictsExpiredFirst(t *testing.T) {
	c := newTokenCache(4)
	now := time.Unix(1_000_000, 0)
	live := sha256.Sum256([]byte("live"))
	c.put(live, cachedToken{principal: domain.Principal{ExpiresAt: now.Add(time.Hour)}}, now)
	for i := range 3 {
		c.put(sha256.Sum256([]byte(fmt.Sprint(i))), cachedToken{principal: domain.Principal{ExpiresAt: now.Add(time.Second)}}, now)
	}
	later := now.Add(time.Minute)
	c.put(sha256.Sum256([]byte("new")), cachedToken{principal: domain.Principal{ExpiresAt: later.Add(time.Hour)}}, later)
	if _, ok := c.get(live, later); !ok {
		t.Error("live entry evicted while expired ones were available")
	}
	if n := len(c.entries); n != 2 {
		t.Errorf("cache holds %d entries, want 2 (expired ones swept)", n)
	}
}
