package redis

import (
	"context"
	"time"
)

// A revoked key is a string holding the stamp of its until.

const nsRevoked = "revoked:"

// reviseRevocationScript keeps the later of the stored and the new until, so
// a shorter second revocation cannot cut the first one short.
// KEYS: revocation. ARGV: until stamp, ttl.
var reviseRevocationScript = script(`
local cur = redis.call('GET', KEYS[1])
if cur and cur >= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
expire(KEYS[1], ARGV[2])
return 1
`)

// Revoke implements ports.RevocationList.
func (s *Store) Revoke(ctx context.Context, key string, until time.Time) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := reviseRevocationScript.Run(ctx, s.client, []string{s.key(nsRevoked, key)}, stamp(until), s.ttl(until)).Err(); err != nil {
		return s.fail("revoke", err)
	}
	return nil
}

// AnyRevoked implements ports.RevocationList with one MGET. No keys is
// false without asking Redis: nothing can be revoked.
func (s *Store) AnyRevoked(ctx context.Context, now time.Time, keys ...string) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.key(nsRevoked, k)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.MGet(ctx, full...).Result()
	if err != nil {
		return false, s.fail("any revoked", err)
	}
	at := stamp(now)
	for i := range vals {
		if until := str(vals, i); until != "" && until > at {
			return true, nil
		}
	}
	return false, nil
}
