package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// CreateClient implements ports.ClientStore.
func (s *Store) CreateClient(_ context.Context, c domain.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[c.ID]; ok {
		return fmt.Errorf("memory: create client %q: %w", c.ID, ports.ErrAlreadyExists)
	}
	s.clients[c.ID] = cloneClient(c)
	return nil
}

// GetClient implements ports.ClientStore.
func (s *Store) GetClient(_ context.Context, id string) (domain.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return domain.Client{}, fmt.Errorf("memory: get client %q: %w", id, ports.ErrNotFound)
	}
	return cloneClient(c), nil
}

// ListClients implements ports.ClientStore.
func (s *Store) ListClients(context.Context) ([]domain.Client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, cloneClient(c))
	}
	slices.SortFunc(out, func(a, b domain.Client) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteClient implements ports.ClientStore.
func (s *Store) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.clients[id]; !ok {
		return fmt.Errorf("memory: delete client %q: %w", id, ports.ErrNotFound)
	}
	delete(s.clients, id)
	return nil
}

func cloneClient(c domain.Client) domain.Client {
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.ResponseTypes = slices.Clone(c.ResponseTypes)
	c.Scopes = slices.Clone(c.Scopes)
	c.Contacts = slices.Clone(c.Contacts)
	return c
}
