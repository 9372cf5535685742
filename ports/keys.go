package ports

import (
	"context"

	"gatehouse/domain"
)

// KeyStore keeps the built-in issuer's private signing keys.
type KeyStore interface {
	// ListKeys returns every stored key, newest first.
	ListKeys(ctx context.Context) ([]domain.SigningKey, error)
	// AddKey stores a key. ErrAlreadyExists if its id is taken.
	AddKey(ctx context.Context, k domain.SigningKey) error
	// UpdateKey replaces a stored key (to retire it). ErrNotFound if absent.
	UpdateKey(ctx context.Context, k domain.SigningKey) error
	// DeleteKey removes it. ErrNotFound if absent.
	DeleteKey(ctx context.Context, id string) error
}
