package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Clients live in one hash, id → JSON: creating is HSETNX, listing is one
// HVALS, and no client expires.

const nsClients = "clients"

// CreateClient implements ports.ClientStore.
func (s *Store) CreateClient(ctx context.Context, c domain.Client) error {
	op := fmt.Sprintf("create client %q", c.ID)
	d, err := marshal(c)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	created, err := s.client.HSetNX(ctx, s.key(nsClients, ""), c.ID, d).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if !created {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrAlreadyExists)
	}
	return nil
}

// GetClient implements ports.ClientStore.
func (s *Store) GetClient(ctx context.Context, id string) (domain.Client, error) {
	op := fmt.Sprintf("get client %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d, err := s.client.HGet(ctx, s.key(nsClients, ""), id).Result()
	if err != nil {
		return domain.Client{}, s.fail(op, err)
	}
	var c domain.Client
	if err := decodeInto(op, d, &c); err != nil {
		return domain.Client{}, err
	}
	return c, nil
}

// ListClients implements ports.ClientStore.
func (s *Store) ListClients(ctx context.Context) ([]domain.Client, error) {
	const op = "list clients"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HVals(ctx, s.key(nsClients, "")).Result()
	if err != nil {
		return nil, s.fail(op, err)
	}
	var out []domain.Client
	for _, d := range vals {
		var c domain.Client
		if err := decodeInto(op, d, &c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b domain.Client) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// DeleteClient implements ports.ClientStore.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	op := fmt.Sprintf("delete client %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.client.HDel(ctx, s.key(nsClients, ""), id).Result()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}
