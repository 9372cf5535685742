package ports

import (
	"context"
	"time"
)

// RevocationList remembers revoked access-token ids and grant ids until the
// last token they could cover has expired. Keys are opaque strings chosen by
// the caller (for example "jti:…" and "grant:…").
type RevocationList interface {
	// Revoke adds key until the given time. Idempotent.
	Revoke(ctx context.Context, key string, until time.Time) error
	// AnyRevoked reports whether any key is revoked at now, in one round
	// trip. Errors (ErrUnavailable) must be treated as "cannot tell".
	AnyRevoked(ctx context.Context, now time.Time, keys ...string) (bool, error)
}
