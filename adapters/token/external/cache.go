package external

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"

	"gatehouse/domain"
)

// tokenKey is the SHA-256 of a token: caches never hold the token itself.
type tokenKey = [sha256.Size]byte

// ttlCache is a bounded map whose entries expire. When full it drops the
// expired entries and, if that frees less than an eighth, arbitrary ones
// down to seven eighths, so that a full cache of live entries costs one
// sweep per limit/8 inserts rather than one per insert.
type ttlCache[V any] struct {
	mu      sync.RWMutex
	limit   int
	entries map[tokenKey]ttlEntry[V]
}

type ttlEntry[V any] struct {
	val     V
	expires time.Time
}

// newTTLCache returns nil when limit is not positive: a nil cache stores
// nothing and finds nothing.
func newTTLCache[V any](limit int) *ttlCache[V] {
	if limit <= 0 {
		return nil
	}
	return &ttlCache[V]{limit: limit, entries: make(map[tokenKey]ttlEntry[V])}
}

func (c *ttlCache[V]) get(key tokenKey, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.RLock()
	e, ok := c.entries[key]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return zero, false
	}
	return e.val, true
}

// put stores val until expires; an entry already expired at now is not kept.
func (c *ttlCache[V]) put(key tokenKey, val V, expires, now time.Time) {
	if c == nil || !now.Before(expires) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[key]; !ok && len(c.entries) >= c.limit {
		c.evictLocked(now)
	}
	c.entries[key] = ttlEntry[V]{val: val, expires: expires}
}

func (c *ttlCache[V]) evictLocked(now time.Time) {
	for k, e := range c.entries {
		if !now.Before(e.expires) {
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

func (c *ttlCache[V]) len() int {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.entries)
}

// cachedToken is a verified JWT: its principal and the kid that signed it,
// which must still be published for the entry to be served.
type cachedToken struct {
	principal domain.Principal
	kid       string
}

// clonePrincipal keeps callers from mutating cached slices.
func clonePrincipal(p domain.Principal) domain.Principal {
	p.Scopes = slices.Clone(p.Scopes)
	p.Audience = slices.Clone(p.Audience)
	return p
}
