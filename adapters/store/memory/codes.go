package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// SaveAuthCode implements ports.GrantStore.
func (s *Store) SaveAuthCode(_ context.Context, c domain.AuthCode) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.codes[c.Hash]; ok {
		return fmt.Errorf("memory: save auth code: %w", ports.ErrAlreadyExists)
	}
	s.codes[c.Hash] = cloneCode(c)
	s.wrote()
	return nil
}

// ConsumeAuthCode implements ports.GrantStore. The mutex makes the check
// and the mark one step, so exactly one caller redeems a code.
func (s *Store) ConsumeAuthCode(_ context.Context, hash string, now time.Time) (domain.AuthCode, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	c, ok := s.codes[hash]
	if !ok || expired(c.ExpiresAt, now) {
		return domain.AuthCode{}, fmt.Errorf("memory: consume auth code: %w", ports.ErrNotFound)
	}
	if !c.UsedAt.IsZero() {
		return cloneCode(c), fmt.Errorf("memory: consume auth code: used at %v: %w", c.UsedAt, ports.ErrConflict)
	}
	c.UsedAt = now
	s.codes[hash] = c
	return cloneCode(c), nil
}

func cloneCode(c domain.AuthCode) domain.AuthCode {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}
