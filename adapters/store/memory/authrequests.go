package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// SaveAuthRequest implements ports.AuthRequestStore.
func (s *Store) SaveAuthRequest(_ context.Context, r domain.AuthRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authRequests[r.ID] = cloneAuthRequest(r)
	s.wrote()
	return nil
}

// GetAuthRequest implements ports.AuthRequestStore.
func (s *Store) GetAuthRequest(_ context.Context, id string, now time.Time) (domain.AuthRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	r, ok := s.authRequests[id]
	if !ok || expired(r.ExpiresAt, now) {
		return domain.AuthRequest{}, fmt.Errorf("memory: get auth request %q: %w", id, ports.ErrNotFound)
	}
	return cloneAuthRequest(r), nil
}

// DeleteAuthRequest implements ports.AuthRequestStore.
func (s *Store) DeleteAuthRequest(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.authRequests, id)
	return nil
}

func cloneAuthRequest(r domain.AuthRequest) domain.AuthRequest {
	r.Scopes = slices.Clone(r.Scopes)
	return r
}
