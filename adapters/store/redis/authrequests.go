package redis

import (
	"context"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// An authorization request is one JSON string; replacing it is a plain SET,
// and nothing else needs to be atomic with it.

const nsAuthRequest = "authreq:"

// SaveAuthRequest implements ports.AuthRequestStore.
func (s *Store) SaveAuthRequest(ctx context.Context, r domain.AuthRequest) error {
	op := fmt.Sprintf("save auth request %q", r.ID)
	d, err := marshal(r)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.Set(ctx, s.key(nsAuthRequest, r.ID), d, keepFor(r.ExpiresAt, s.wall())).Err(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// GetAuthRequest implements ports.AuthRequestStore.
func (s *Store) GetAuthRequest(ctx context.Context, id string, now time.Time) (domain.AuthRequest, error) {
	op := fmt.Sprintf("get auth request %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d, err := s.client.Get(ctx, s.key(nsAuthRequest, id)).Result()
	if err != nil {
		return domain.AuthRequest{}, s.fail(op, err)
	}
	var r domain.AuthRequest
	if err := decodeInto(op, d, &r); err != nil {
		return domain.AuthRequest{}, err
	}
	if expired(r.ExpiresAt, now) {
		return domain.AuthRequest{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return r, nil
}

// DeleteAuthRequest implements ports.AuthRequestStore.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.Del(ctx, s.key(nsAuthRequest, id)).Err(); err != nil {
		return s.fail(fmt.Sprintf("delete auth request %q", id), err)
	}
	return nil
}
