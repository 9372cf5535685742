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
// configured or demo users), optionally in front of a directory of stored
// users.
type Users struct {
	byName map[string]domain.User
	// next answers for usernames that are not fixed; nil: nobody else.
	next ports.UserStore
}

// NewUsers indexes users by username. A later user with the same username
// replaces an earlier one; configuration validation is where duplicates are
// reported.
func NewUsers(users ...domain.User) *Users {
	return NewUsersOver(nil, users...)
}

// NewUsersOver is NewUsers in front of dir: a fixed user wins over a stored
// one of the same name, so that the configuration stays authoritative for
// the names it lists; any other name is dir's to answer. A nil dir knows
// nobody.
func NewUsersOver(dir ports.UserStore, fixed ...domain.User) *Users {
	u := &Users{byName: make(map[string]domain.User, len(fixed)), next: dir}
	for _, user := range fixed {
		u.byName[user.Username] = cloneUser(user)
	}
	return u
}

// GetUser implements ports.UserStore. Errors of the directory (such as
// ports.ErrUnavailable) pass through unchanged.
func (u *Users) GetUser(ctx context.Context, username string) (domain.User, error) {
	if user, ok := u.byName[username]; ok {
		return cloneUser(user), nil
	}
	if u.next != nil {
		return u.next.GetUser(ctx, username)
	}
	return domain.User{}, fmt.Errorf("memory: get user %q: %w", username, ports.ErrNotFound)
}

func cloneUser(u domain.User) domain.User {
	u.Scopes = slices.Clone(u.Scopes)
	return u
}
