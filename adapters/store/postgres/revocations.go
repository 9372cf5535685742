package postgres

import (
	"context"
	"time"

	"github.com/uptrace/bun/dialect/pgdialect"
)

// Revoke implements ports.RevocationList. Revoking a key again keeps the
// later of the two instants, so a shorter second revocation cannot cut the
// first one short.
func (s *Store) Revoke(ctx context.Context, key string, until time.Time) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	_, err := s.db.NewRaw(`INSERT INTO revocations AS r (key, until) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET until = GREATEST(r.until, EXCLUDED.until)`,
		key, ts(until)).Exec(ctx)
	if err != nil {
		return classify(ctx, "revoke", err)
	}
	return nil
}

// AnyRevoked implements ports.RevocationList in one statement. With no
// keys there is nothing to ask.
func (s *Store) AnyRevoked(ctx context.Context, now time.Time, keys ...string) (bool, error) {
	if len(keys) == 0 {
		return false, nil
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var revoked bool
	err := s.db.QueryRowContext(ctx,
		`SELECT EXISTS (SELECT 1 FROM revocations WHERE key = ANY (?::text[]) AND until > ?)`,
		pgdialect.Array(keys), now).Scan(&revoked)
	if err != nil {
		return false, classify(ctx, "any revoked", err)
	}
	return revoked, nil
}
