package ports

import (
	"context"

	"gatehouse/domain"
)

// UserStore finds the people who can log in.
type UserStore interface {
	// GetUser returns the user. ErrNotFound if absent.
	GetUser(ctx context.Context, username string) (domain.User, error)
}

// PasswordHasher hashes and checks human passwords with a slow hash.
type PasswordHasher interface {
	// HashPassword returns an encoded hash (PHC string format).
	HashPassword(password string) (string, error)
	// VerifyPassword reports whether password matches the encoded hash, in
	// constant time; an unparsable hash is an error, never a match.
	VerifyPassword(password, encodedHash string) (bool, error)
}
