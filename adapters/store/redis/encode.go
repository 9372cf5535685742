package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

const (
	// keepSlack is how long past its ExpiresAt (by the wall clock) a record
	// stays in Redis, so that callers whose now lags the wall clock, or
	// replicas with skewed clocks, still find it until it expires for them.
	keepSlack = time.Hour
	// minKeep is the shortest TTL any record gets, whatever its ExpiresAt.
	minKeep = time.Hour

	// epochShift moves Unix seconds so that year 1 is 0: stamps of any
	// time.Time since year 1 are non-negative and of one width.
	epochShift = 62135596800
	stampLen   = 29
)

// stamp renders t as 20 digits of seconds since year 1 and 9 of
// nanoseconds. Stamps of equal width compare as strings exactly as their
// instants compare, so Lua scripts (whose numbers are doubles, too coarse
// for nanoseconds) and sorted-set lex ranges decide expiry without rounding.
func stamp(t time.Time) string {
	sec := t.Unix() + epochShift
	if sec < 0 {
		return fmt.Sprintf("%0*d", stampLen, 0)
	}
	return fmt.Sprintf("%020d%09d", sec, t.Nanosecond())
}

// parseStamp is the inverse of stamp; instants come back in UTC.
func parseStamp(s string) (time.Time, error) {
	if len(s) != stampLen {
		return time.Time{}, fmt.Errorf("bad stamp %q", s)
	}
	sec, err1 := strconv.ParseInt(s[:20], 10, 64)
	nsec, err2 := strconv.ParseInt(s[20:], 10, 64)
	if err1 != nil || err2 != nil {
		return time.Time{}, fmt.Errorf("bad stamp %q", s)
	}
	return time.Unix(sec-epochShift, nsec).UTC(), nil
}

// keepFor is the TTL of a record the contract needs until exp: until exp by
// the wall clock plus keepSlack, and at least minKeep. 0 means no TTL, for an
// exp too far ahead to express.
func keepFor(exp, wall time.Time) time.Duration {
	d := exp.Sub(wall)
	if d > math.MaxInt64-keepSlack {
		return 0
	}
	return max(d+keepSlack, minKeep)
}

// ttlMillis renders a TTL for a script: whole milliseconds, rounded up; "0"
// means no TTL.
func ttlMillis(d time.Duration) string {
	return strconv.FormatInt(int64((d+time.Millisecond-1)/time.Millisecond), 10)
}

// ttl is keepFor(exp) by the store's wall clock, rendered for a script.
func (s *Store) ttl(exp time.Time) string { return ttlMillis(keepFor(exp, s.wall())) }

// indexPurgeLag is how long index members stay past their expiry, so that a
// caller whose now lags another's still sees what is live for it.
const indexPurgeLag = time.Hour

// purgeStamp bounds the index members a script may drop: expired well
// before both the caller's now and the wall clock, so that neither a caller
// running behind nor one passing a future instant loses live members.
func (s *Store) purgeStamp(now time.Time) string {
	return stamp(minTime(now, s.wall()).Add(-indexPurgeLag))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// member is an index entry: the record's expiry stamp, "|", its id.
func member(exp time.Time, id string) string { return stamp(exp) + "|" + id }

// fields is a record as a Redis hash: field names and values, in order.
type fields []any

func marshal(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// decodeInto parses a record's JSON.
func decodeInto(op, data string, v any) error {
	if err := json.Unmarshal([]byte(data), v); err != nil {
		return fmt.Errorf("redis: %s: decode stored record: %w", op, err)
	}
	return nil
}

// str returns the i-th value of a reply as a string: "" for a nil value or
// an index past the end.
func str(vals []any, i int) string {
	if i >= len(vals) {
		return ""
	}
	switch v := vals[i].(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

// optionalTime parses a stamp field that may be absent ("" gives zero).
func optionalTime(op, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := parseStamp(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("redis: %s: %w", op, err)
	}
	return t, nil
}

// runScript runs a script and returns its reply as a list.
func (s *Store) runScript(ctx context.Context, sc *goredis.Script, keys []string, args ...any) ([]any, error) {
	return sc.Run(ctx, s.client, keys, args...).Slice()
}

// unexpected reports a script reply the code does not know: a bug or a
// foreign script under our prefix, never a verdict to act on.
func unexpected(op string, res []any) error {
	return fmt.Errorf("redis: %s: unexpected script reply %q", op, str(res, 0))
}
