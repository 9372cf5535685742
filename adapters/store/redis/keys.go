package redis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
)

// Signing keys get no TTL even when ExpiresAt is set: the key store returns
// every stored key, and the issuer deletes the ones it no longer publishes.

const nsKeys = "keys"

// ListKeys implements ports.KeyStore.
func (s *Store) ListKeys(ctx context.Context) ([]domain.SigningKey, error) {
	out, err := hashList[domain.SigningKey](ctx, s, nsKeys, "list keys")
	slices.SortFunc(out, func(a, b domain.SigningKey) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// AddKey implements ports.KeyStore.
func (s *Store) AddKey(ctx context.Context, k domain.SigningKey) error {
	return s.hashCreate(ctx, nsKeys, k.ID, fmt.Sprintf("add key %q", k.ID), k)
}

// UpdateKey implements ports.KeyStore.
func (s *Store) UpdateKey(ctx context.Context, k domain.SigningKey) error {
	return s.hashReplace(ctx, nsKeys, k.ID, fmt.Sprintf("update key %q", k.ID), k)
}

// DeleteKey implements ports.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	return s.hashDelete(ctx, nsKeys, id, fmt.Sprintf("delete key %q", id))
}
