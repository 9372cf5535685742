package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// CreateGrant implements ports.GrantStore.
func (s *Store) CreateGrant(_ context.Context, g domain.Grant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.grants[g.ID]; ok {
		return fmt.Errorf("memory: create grant %q: %w", g.ID, ports.ErrAlreadyExists)
	}
	s.grants[g.ID] = cloneGrant(g)
	s.wrote()
	return nil
}

// GetGrant implements ports.GrantStore.
func (s *Store) GetGrant(_ context.Context, id string, now time.Time) (domain.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	g, ok := s.grants[id]
	if !ok || expired(g.ExpiresAt, now) {
		return domain.Grant{}, fmt.Errorf("memory: get grant %q: %w", id, ports.ErrNotFound)
	}
	return cloneGrant(g), nil
}

// ListGrants implements ports.GrantStore.
func (s *Store) ListGrants(_ context.Context, subject string, now time.Time) ([]domain.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	var out []domain.Grant
	for _, g := range s.grants {
		if g.Subject == subject && g.Active(now) {
			out = append(out, cloneGrant(g))
		}
	}
	slices.SortFunc(out, func(a, b domain.Grant) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeGrant implements ports.GrantStore. The family's refresh tokens need
// no change: RotateRefreshToken refuses any token whose grant is revoked.
func (s *Store) RevokeGrant(_ context.Context, id string, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	g, ok := s.grants[id]
	if !ok || expired(g.ExpiresAt, now) {
		return fmt.Errorf("memory: revoke grant %q: %w", id, ports.ErrNotFound)
	}
	s.revokeGrant(id, now)
	return nil
}

// revokeGrant marks the grant revoked at now unless it already is, so the
// first revocation's instant stands. Callers hold s.mu.
func (s *Store) revokeGrant(id string, now time.Time) {
	g, ok := s.grants[id]
	if !ok || !g.RevokedAt.IsZero() {
		return
	}
	g.RevokedAt = now
	s.grants[id] = g
}

func cloneGrant(g domain.Grant) domain.Grant {
	g.Scopes = slices.Clone(g.Scopes)
	return g
}
