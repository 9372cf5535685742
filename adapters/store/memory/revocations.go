package memory

import (
	"context"
	"time"
)

// Revoke implements ports.RevocationList. Revoking a key again keeps the
// later of the two instants, so a shorter second revocation cannot cut the
// first one short.
func (s *Store) Revoke(_ context.Context, key string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if cur, ok := s.revoked[key]; !ok || until.After(cur) {
		s.revoked[key] = until
	}
	s.wrote()
	return nil
}

// AnyRevoked implements ports.RevocationList.
func (s *Store) AnyRevoked(_ context.Context, now time.Time, keys ...string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	for _, k := range keys {
		if until, ok := s.revoked[k]; ok && !expired(until, now) {
			return true, nil
		}
	}
	return false, nil
}
