package redis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Signing keys live in one hash, id → JSON. They get no TTL even when
// ExpiresAt is set: the key store returns every stored key, and the issuer
// deletes the ones it no longer publishes.

const nsKeys = "keys"

// updateKeyScript replaces a key only if it is stored. KEYS: keys hash.
// ARGV: id, JSON. Returns 1, or 0 if absent.
var updateKeyScript = script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// ListKeys implements ports.KeyStore.
func (s *Store) ListKeys(ctx context.Context) ([]domain.SigningKey, error) {
	const op = "list keys"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HVals(ctx, s.key(nsKeys, "")).Result()
	if err != nil {
		return nil, s.fail(op, err)
	}
	var out []domain.SigningKey
	for _, d := range vals {
		var k domain.SigningKey
		if err := decodeInto(op, d, &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b domain.SigningKey) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// AddKey implements ports.KeyStore.
func (s *Store) AddKey(ctx context.Context, k domain.SigningKey) error {
	op := fmt.Sprintf("add key %q", k.ID)
	d, err := marshal(k)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	created, err := s.client.HSetNX(ctx, s.key(nsKeys, ""), k.ID, d).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if !created {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrAlreadyExists)
	}
	return nil
}

// UpdateKey implements ports.KeyStore.
func (s *Store) UpdateKey(ctx context.Context, k domain.SigningKey) error {
	op := fmt.Sprintf("update key %q", k.ID)
	d, err := marshal(k)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := updateKeyScript.Run(ctx, s.client, []string{s.key(nsKeys, "")}, k.ID, d).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// DeleteKey implements ports.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete key %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.client.HDel(ctx, s.key(nsKeys, ""), id).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}
