package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Users live in one hash, username → JSON, like clients: creating is
// HSETNX, replacing a script that writes only over an existing field,
// listing one HVALS, and no user expires.

const nsUsers = "users"

// updateFieldScript replaces a hash field that exists.
// KEYS: hash. ARGV: field, value. Returns 1, or 0 if the field is absent.
var updateFieldScript = script(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`)

// CreateUser implements ports.UserDirectory.
func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	op := fmt.Sprintf("create user %q", u.Username)
	d, err := marshal(u)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	created, err := s.client.HSetNX(ctx, s.key(nsUsers, ""), u.Username, d).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if !created {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrAlreadyExists)
	}
	return nil
}

// GetUser implements ports.UserStore.
func (s *Store) GetUser(ctx context.Context, username string) (domain.User, error) {
	op := fmt.Sprintf("get user %q", username)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d, err := s.client.HGet(ctx, s.key(nsUsers, ""), username).Result()
	if err != nil {
		return domain.User{}, s.fail(op, err)
	}
	var u domain.User
	if err := decodeInto(op, d, &u); err != nil {
		return domain.User{}, err
	}
	return u, nil
}

// UpdateUser implements ports.UserDirectory.
func (s *Store) UpdateUser(ctx context.Context, u domain.User) error {
	op := fmt.Sprintf("update user %q", u.Username)
	d, err := marshal(u)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := updateFieldScript.Run(ctx, s.client, []string{s.key(nsUsers, "")}, u.Username, d).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// ListUsers implements ports.UserDirectory.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	const op = "list users"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HVals(ctx, s.key(nsUsers, "")).Result()
	if err != nil {
		return nil, s.fail(op, err)
	}
	var out []domain.User
	for _, d := range vals {
		var u domain.User
		if err := decodeInto(op, d, &u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b domain.User) int { return strings.Compare(a.Username, b.Username) })
	return out, nil
}
