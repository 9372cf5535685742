package redis

import (
	"context"
	"fmt"

	"gatehouse/ports"
)

// Clients, signing keys and users each live in one hash, id → JSON:
// creating is HSETNX, replacing a script that writes only over an existing
// field, reading one HGET, listing one HVALS, deleting one HDEL. None
// expires.

// updateFieldScript replaces a hash field that exists.
// KEYS: hash. ARGV: field, value. Returns 1, or 0 if the field is absent.
var updateFieldScript = script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// hashCreate stores v under field. ErrAlreadyExists if the field is taken.
func (s *Store) hashCreate(ctx context.Context, ns, field, op string, v any) error {
	d, err := marshal(v)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	created, err := s.client.HSetNX(ctx, s.key(ns, ""), field, d).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if !created {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrAlreadyExists)
	}
	return nil
}

// hashReplace replaces the record under field. ErrNotFound if absent.
func (s *Store) hashReplace(ctx context.Context, ns, field, op string, v any) error {
	d, err := marshal(v)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := updateFieldScript.Run(ctx, s.client, []string{s.key(ns, "")}, field, d).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// hashDelete removes the record under field. ErrNotFound if absent.
func (s *Store) hashDelete(ctx context.Context, ns, field, op string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.client.HDel(ctx, s.key(ns, ""), field).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// hashGet reads the record under field. ErrNotFound if absent.
func hashGet[T any](ctx context.Context, s *Store, ns, field, op string) (T, error) {
	var v T
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d, err := s.client.HGet(ctx, s.key(ns, ""), field).Result()
	if err != nil {
		return v, s.fail(op, err)
	}
	if err := decodeInto(op, d, &v); err != nil {
		return v, err
	}
	return v, nil
}

// hashList reads every record of the hash, in no particular order.
func hashList[T any](ctx context.Context, s *Store, ns, op string) ([]T, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HVals(ctx, s.key(ns, "")).Result()
	if err != nil {
		return nil, s.fail(op, err)
	}
	out := make([]T, 0, len(vals))
	for _, d := range vals {
		var v T
		if err := decodeInto(op, d, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
