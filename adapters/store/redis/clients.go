package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
)

const nsClients = "clients"

// CreateClient implements ports.ClientStore.
func (s *Store) CreateClient(ctx context.Context, c domain.Client) error {
	return s.hashCreate(ctx, nsClients, c.ID, fmt.Sprintf("create client %q", c.ID), c)
}

// GetClient implements ports.ClientStore.
func (s *Store) GetClient(ctx context.Context, id string) (domain.Client, error) {
	return hashGet[domain.Client](ctx, s, nsClients, id, fmt.Sprintf("get client %q", id))
}

// ListClients implements ports.ClientStore.
func (s *Store) ListClients(ctx context.Context) ([]domain.Client, error) {
	out, err := hashList[domain.Client](ctx, s, nsClients, "list clients")
	slices.SortFunc(out, func(a, b domain.Client) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// DeleteClient implements ports.ClientStore.
func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.hashDelete(ctx, nsClients, id, fmt.Sprintf("delete client %q", id))
}
