package ports

import (
	"context"

	"gatehouse/domain"
)

// UserStore finds the people who can log in.
type UserStore interface {
	// GetUser returns the user, disabled or not. ErrNotFound if absent.
	GetUser(ctx context.Context, username string) (domain.User, error)
}

// UserDirectory is the store's user records, which the admin CLI manages.
type UserDirectory interface {
	UserStore
	// CreateUser stores a new user. ErrAlreadyExists if the name is taken.
	CreateUser(ctx context.Context, u domain.User) error
	// UpdateUser replaces a stored user (password, scopes, disabled).
	// ErrNotFound if absent.
	UpdateUser(ctx context.Context, u domain.User) error
	// ListUsers returns every user ordered by username.
	ListUsers(ctx context.Context) ([]domain.User, error)
}

// PasswordHasher hashes and checks human passwords with a slow hash.
type PasswordHasher interface {
	// HashPassword returns an encoded hash (PHC string format).
	HashPassword(password string) (string, error)
	// VerifyPassword reports whether password matches the encoded hash, in
	// constant time; an unparsable hash is an error, never a match.
	VerifyPassword(password, encodedHash string) (bool, error)
}
