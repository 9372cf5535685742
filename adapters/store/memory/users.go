package memory

import (
	"context"
	"fmt"
	"slices"

	"gatehouse/domain"
	"gatehouse/ports"
)

var _ ports.UserStore = (*Users)(nil)

// Users is a read-only ports.UserStore over users fixed at start-up (the
// configured or demo users).
type Users struct {
	byName map[string]domain.User
}

// NewUsers indexes users by username. A later user with the same username
// replaces an earlier one; configuration validation is where duplicates are
// reported.
func NewUsers(users ...domain.User) *Users {
	u := &Users{byName: make(map[string]domain.User, len(users))}
	for _, user := range users {
		u.byName[user.Username] = cloneUser(user)
	}
	return u
}

// GetUser implements ports.UserStore.
func (u *Users) GetUser(_ context.Context, username string) (domain.User, error) {
	user, ok := u.byName[username]
	if !ok {
		return domain.User{}, fmt.Errorf("memory: get user %q: %w", username, ports.ErrNotFound)
	}
	return cloneUser(user), nil
}

func cloneUser(u domain.User) domain.User {
	u.Scopes = slices.Clone(u.Scopes)
	return u
}
