package ports

import (
	"context"
	"time"

	"gatehouse/domain"
)

// AuthRequestStore keeps authorization requests while the user logs in and
// consents.
type AuthRequestStore interface {
	// SaveAuthRequest creates or replaces the request.
	SaveAuthRequest(ctx context.Context, r domain.AuthRequest) error
	// GetAuthRequest returns the request. ErrNotFound if absent or expired.
	GetAuthRequest(ctx context.Context, id string, now time.Time) (domain.AuthRequest, error)
	// DeleteAuthRequest removes it; deleting a missing request is no error,
	// so that a finished request can be dropped unconditionally.
	DeleteAuthRequest(ctx context.Context, id string) error
}
