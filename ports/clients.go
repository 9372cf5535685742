package ports

import (
	"context"

	"gatehouse/domain"
)

// ClientStore keeps registered OAuth clients.
type ClientStore interface {
	// CreateClient stores a new client. ErrAlreadyExists if the id is taken.
	CreateClient(ctx context.Context, c domain.Client) error
	// GetClient returns the client. ErrNotFound if absent.
	GetClient(ctx context.Context, id string) (domain.Client, error)
	// ListClients returns every client ordered by id.
	ListClients(ctx context.Context) ([]domain.Client, error)
	// DeleteClient removes the client. ErrNotFound if absent.
	DeleteClient(ctx context.Context, id string) error
}
