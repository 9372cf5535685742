package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// CreateUser implements ports.UserDirectory.
func (s *Store) CreateUser(_ context.Context, u domain.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.Username]; ok {
		return fmt.Errorf("memory: create user %q: %w", u.Username, ports.ErrAlreadyExists)
	}
	s.users[u.Username] = cloneUser(u)
	return nil
}

// GetUser implements ports.UserStore.
func (s *Store) GetUser(_ context.Context, username string) (domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[username]
	if !ok {
		return domain.User{}, fmt.Errorf("memory: get user %q: %w", username, ports.ErrNotFound)
	}
	return cloneUser(u), nil
}

// UpdateUser implements ports.UserDirectory.
func (s *Store) UpdateUser(_ context.Context, u domain.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.Username]; !ok {
		return fmt.Errorf("memory: update user %q: %w", u.Username, ports.ErrNotFound)
	}
	s.users[u.Username] = cloneUser(u)
	return nil
}

// ListUsers implements ports.UserDirectory.
func (s *Store) ListUsers(context.Context) ([]domain.User, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.User, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, cloneUser(u))
	}
	slices.SortFunc(out, func(a, b domain.User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}
