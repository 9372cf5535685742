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
func (s *Store) RotateRefreshToken(_ context.Context, oldHash string, r ports.Rotation, now time.Time) (domain.RefreshToken, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	old, ok := s.refresh[oldHash]
	if !ok || expired(old.ExpiresAt, now) {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: %w", ports.ErrNotFound)
	}
	if !old.RotatedAt.IsZero() {
		if s.graceAllowsLocked(old, r.Grace, now) {
			old.GraceUsedAt = now
			s.refresh[oldHash] = old
			s.wrote()
			return cloneRefresh(old), fmt.Errorf("memory: rotate refresh token of grant %q: %w", old.GrantID, ports.ErrRefreshInGrace)
		}
		s.revokeGrant(old.GrantID, now)
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token of grant %q: %w", old.GrantID, ports.ErrRefreshReused)
	}
	if g, ok := s.grants[old.GrantID]; !ok || !g.Active(now) {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: grant %q inactive: %w", old.GrantID, ports.ErrNotFound)
	}
	if _, taken := s.refresh[r.Next.Hash]; taken {
		return domain.RefreshToken{}, fmt.Errorf("memory: rotate refresh token: next: %w", ports.ErrAlreadyExists)
	}
	old.RotatedAt, old.Successor, old.SealedSuccessor = now, r.Next.Hash, slices.Clone(r.SealedNext)
	s.refresh[oldHash] = old
	s.refresh[r.Next.Hash] = cloneRefresh(r.Next)
	s.wrote()
	return cloneRefresh(old), nil
}

// graceAllowsLocked reports whether a rotated token may be presented once
// more: within the grace period, its one retry unspent, its grant active
// and its successor still the family's current token.
func (s *Store) graceAllowsLocked(old domain.RefreshToken, grace time.Duration, now time.Time) bool {
	if grace <= 0 || !old.GraceUsedAt.IsZero() || !now.Before(old.RotatedAt.Add(grace)) {
		return false
	}
	if g, ok := s.grants[old.GrantID]; !ok || !g.Active(now) {
		return false
	}
	next, ok := s.refresh[old.Successor]
	return ok && next.RotatedAt.IsZero() && !expired(next.ExpiresAt, now)
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
	t.SealedSuccessor = slices.Clone(t.SealedSuccessor)
	return t
}
