package builtin

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"gatehouse/domain"
)

// defaultCacheSize bounds the verified-token cache.
const defaultCacheSize = 10_000

// tokenCache remembers tokens that passed verification, keyed by their
// SHA-256, until their exp. It skips only the signature and claim checks:
// the verifier re-checks on every hit that the signing key is still
// published, and revocation is the caller's.
type tokenCache struct {
	mu      sync.RWMutex
	limit   int
	entries map[[sha256.Size]byte]cachedToken
}

type cachedToken struct {
	principal domain.Principal
	kid       string
}

func newTokenCache(limit int) *tokenCache {
	return &tokenCache{limit: limit, entries: make(map[[sha256.Size]byte]cachedToken)}
}

// get returns the principal of a cached token that has not expired at now.
func (c *tokenCache) get(key [sha256.Size]byte, now time.Time) (cachedToken, bool) {
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.principal.ExpiresAt) {
		return cachedToken{}, false
	}
	e.principal = clonePrincipal(e.principal)
	return e, true
}

func (c *tokenCache) put(key [sha256.Size]byte, e cachedToken, now time.Time) {
	e.principal = clonePrincipal(e.principal)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.limit {
		c.evictLocked(now)
	}
	c.entries[key] = e
}

// evictLocked drops expired entries and, if that frees less than an eighth,
// arbitrary ones down to seven eighths, so that a full cache of live tokens
// costs one sweep per limit/8 inserts rather than one per insert.
func (c *tokenCache) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.principal.ExpiresAt) {
			delete(c.entries, k)
		}
	}
	target := c.limit - max(c.limit/8, 1)
	for k := range c.entries {
		if len(c.entries) <= target {
			break
		}
		delete(c.entries, k)
	}
}

// clonePrincipal keeps callers from mutating the cached slices.
func clonePrincipal(p domain.Principal) domain.Principal {
	p.Scopes = slices.Clone(p.Scopes)
	p.Audience = slices.Clone(p.Audience)
	return p
}
