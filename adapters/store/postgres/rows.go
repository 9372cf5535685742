package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gatehouse/ports"
)

// affectedOne classifies the result of a statement that must touch a row:
// none touched is ErrNotFound.
func affectedOne(ctx context.Context, op string, res sql.Result, err error) error {
	if err != nil {
		return classify(ctx, op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return classify(ctx, op, err)
	}
	if n == 0 {
		return fmt.Errorf("postgres: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// ts renders an instant as a query argument: a zero time is NULL, as in the
// rows bun writes.
func ts(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// storable reports whether a key can be stored at all: PostgreSQL text holds
// no NUL byte, and bun refuses to render one, so a lookup by such a key
// (from a request, say) is simply absent rather than a malformed query.
func storable(key string) bool { return !strings.ContainsRune(key, 0) }
