package memory

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// ListKeys implements ports.KeyStore.
func (s *Store) ListKeys(context.Context) ([]domain.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]domain.SigningKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, cloneKey(k))
	}
	slices.SortFunc(out, func(a, b domain.SigningKey) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// AddKey implements ports.KeyStore.
func (s *Store) AddKey(_ context.Context, k domain.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; ok {
		return fmt.Errorf("memory: add key %q: %w", k.ID, ports.ErrAlreadyExists)
	}
	s.keys[k.ID] = cloneKey(k)
	return nil
}

// UpdateKey implements ports.KeyStore.
func (s *Store) UpdateKey(_ context.Context, k domain.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[k.ID]; !ok {
		return fmt.Errorf("memory: update key %q: %w", k.ID, ports.ErrNotFound)
	}
	s.keys[k.ID] = cloneKey(k)
	return nil
}

// DeleteKey implements ports.KeyStore.
func (s *Store) DeleteKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[id]; !ok {
		return fmt.Errorf("memory: delete key %q: %w", id, ports.ErrNotFound)
	}
	delete(s.keys, id)
	return nil
}

func cloneKey(k domain.SigningKey) domain.SigningKey {
	k.PrivateJWK = bytes.Clone(k.PrivateJWK)
	return k
}
