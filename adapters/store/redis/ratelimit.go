package redis

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"gatehouse/ports"
)

// A rate-limit window is a counter under a key naming the window's length
// and start, so replicas agree on it and two limits on one key with
// different windows never share a count.

const nsRateLimit = "ratelimit:"

// allowScript counts one event unless the window is full, so refused events
// are not counted. KEYS: counter. ARGV: limit, ttl.
// Returns {1, count} when allowed, {0, count} when refused.
var allowScript = script(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return {0, n} end
n = redis.call('INCR', KEYS[1])
if n == 1 then expire(KEYS[1], ARGV[2]) end
return {1, n}
`)

// Allow implements ports.RateLimiter. The counter lives until the window's
// end by the wall clock plus one window (at least a minute), so a caller
// whose clock lags still finds it; the decision uses only now.
func (s *Store) Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ports.RateDecision, error) {
	if limit <= 0 {
		return ports.RateDecision{}, fmt.Errorf("redis: allow: limit must be positive, got %d", limit)
	}
	if window <= 0 {
		return ports.RateDecision{}, fmt.Errorf("redis: allow: window must be positive, got %v", window)
	}
	start := windowStart(now, window)
	end := time.Unix(0, start+int64(window))
	ttl := max(end.Sub(s.wall()), 0) + max(window, time.Minute)
	k := s.counterKey(key, window, start)

	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := allowScript.Run(ctx, s.client, []string{k}, limit, ttlMillis(ttl)).Int64Slice()
	if err != nil {
		return ports.RateDecision{}, s.fail("allow", err)
	}
	if len(res) != 2 {
		return ports.RateDecision{}, fmt.Errorf("redis: allow: unexpected script reply %v", res)
	}
	d := ports.RateDecision{Allowed: res[0] == 1, Limit: limit, Reset: end.In(now.Location())}
	if d.Allowed {
		d.Remaining = max(limit-int(res[1]), 0)
	}
	return d, nil
}

// counterKey names the counter of one window of one key.
func (s *Store) counterKey(key string, window time.Duration, start int64) string {
	return s.key(nsRateLimit, strconv.FormatInt(int64(window), 10)+":"+strconv.FormatInt(start, 10)+":"+key)
}

// windowStart rounds now down to a multiple of window counted from the Unix
// epoch (time.Time.Truncate counts from year 1), in Unix nanoseconds.
func windowStart(now time.Time, window time.Duration) int64 {
	ns, w := now.UnixNano(), int64(window)
	off := ns % w
	if off < 0 {
		off += w
	}
	return ns - off
}
