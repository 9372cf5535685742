package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// SaveRefreshToken implements ports.GrantStore.
func (s *Store) SaveRefreshToken(_ context.Context, t domain.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.refresh[t.Hash]; ok {
		return fmt.Errorf("memory: save refresh token: %w", ports.ErrAlreadyExists)
	}
	s.refresh[t.Hash] = cloneRefresh(t)
	s.wrote()
	return nil
}

// RotateRefreshToken implements ports.GrantStore. Reuse is judged before the
// grant's state, so every late presentation of a rotated token reports
// ErrRefreshReused, also after an earlier one revoked the grant. A grant that
// is absent or expired ends the family just as a revoked one does. A next
// hash that is taken gives ErrAlreadyExists and changes nothing.
func (s *Store) RotateRefreshToken(_ context.Context, oldHash string, next domain.RefreshToken, now time.Time) (domain.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	old, ok := s.refresh[oldHash]
	if !ok || expired(old.ExpiresAt, now) {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: %w", ports.ErrNotFound)
	}
	if !old.RotatedAt.IsZero() {
		s.revokeGrant(old.GrantID, now)
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token of grant %q: %w", old.GrantID, ports.ErrRefreshReused)
	}
	if g, ok := s.grants[old.GrantID]; !ok || !g.Active(now) {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: grant %q inactive: %w", old.GrantID, ports.ErrNotFound)
	}
	if _, taken := s.refresh[next.Hash]; taken {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: next: %w", ports.ErrAlreadyExists)
	}
	old.RotatedAt = now
	s.refresh[oldHash] = old
	s.refresh[next.Hash] = cloneRefresh(next)
	s.wrote()
	return cloneRefresh(old), nil
}

// GetRefreshToken implements ports.GrantStore.
func (s *Store) GetRefreshToken(_ context.Context, hash string, now time.Time) (domain.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	t, ok := s.refresh[hash]
	if !ok || expired(t.ExpiresAt, now) {
		return domain.RefreshToken{}, fmt.Errorf("memory: get refresh token: %w", ports.ErrNotFound)
	}
	return cloneRefresh(t), nil
}

func cloneRefresh(t domain.RefreshToken) domain.RefreshToken {
	t.Scopes = slices.Clone(t.Scopes)
	return t
}
