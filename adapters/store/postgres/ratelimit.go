package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatehouse/ports"
)

// allowSQL counts one event in one statement: the first event of a window
// inserts its row, later ones increment it while under the limit, and a
// refused event matches no row, so it is not counted. The row lock of the
// conflict clause gives concurrent callers distinct counts. Arguments: ?0
// key, ?1 window length, ?2 window start (both Unix nanoseconds), ?3 window
// end (for the sweeper), ?4 limit.
const allowSQL = `
INSERT INTO rate_limits AS t (key, window_ns, window_start, count, expires_at)
VALUES (?0, ?1, ?2, 1, ?3)
ON CONFLICT (key, window_ns, window_start) DO UPDATE SET count = t.count + 1
WHERE t.count < ?4
RETURNING count`

// Allow implements ports.RateLimiter with fixed windows aligned to the Unix
// epoch, computed from the caller's now, so every replica agrees on them.
// The window length is part of the counter's key, so two limits on one key
// with different windows never share a count.
func (s *Store) Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ports.RateDecision, error) {
	if limit <= 0 {
		return ports.RateDecision{}, fmt.Errorf("postgres: allow: limit must be positive, got %d", limit)
	}
	if window <= 0 {
		return ports.RateDecision{}, fmt.Errorf("postgres: allow: window must be positive, got %v", window)
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	start := windowStart(now, window)
	reset := time.Unix(0, start+int64(window)).In(now.Location())

	var count int
	err := s.db.QueryRowContext(ctx, allowSQL, key, int64(window), start, reset, limit).Scan(&count)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return ports.RateDecision{Allowed: false, Limit: limit, Remaining: 0, Reset: reset}, nil
	case err != nil:
		return ports.RateDecision{}, classify(ctx, "allow", err)
	}
	return ports.RateDecision{Allowed: true, Limit: limit, Remaining: max(limit-count, 0), Reset: reset}, nil
}

// windowStart rounds now down to a multiple of window counted from the Unix
// epoch. time.Time.Truncate counts from year 1 instead, which gives other
// boundaries for windows that do not divide the distance between the two.
func windowStart(now time.Time, window time.Duration) int64 {
	ns := now.UnixNano()
	w := int64(window)
	off := ns % w
	if off < 0 {
		off += w
	}
	return ns - off
}
