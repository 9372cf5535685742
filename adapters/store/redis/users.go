package redis

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gatehouse/domain"
)

const nsUsers = "users"

// CreateUser implements ports.UserDirectory.
func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	return s.hashCreate(ctx, nsUsers, u.Username, fmt.Sprintf("create user %q", u.Username), u)
}

// GetUser implements ports.UserStore.
func (s *Store) GetUser(ctx context.Context, username string) (domain.User, error) {
	return hashGet[domain.User](ctx, s, nsUsers, username, fmt.Sprintf("get user %q", username))
}

// UpdateUser implements ports.UserDirectory.
func (s *Store) UpdateUser(ctx context.Context, u domain.User) error {
	return s.hashReplace(ctx, nsUsers, u.Username, fmt.Sprintf("update user %q", u.Username), u)
}

// ListUsers implements ports.UserDirectory.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	out, err := hashList[domain.User](ctx, s, nsUsers, "list users")
	slices.SortFunc(out, func(a, b domain.User) int { return strings.Compare(a.Username, b.Username) })
	return out, err
}
