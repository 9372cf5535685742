// Package memory is an in-process ports.RateLimiter with fixed windows. Its
// counts live in one process, so it suits a single replica or tests; replicas
// that must share limits use a networked limiter.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"gatehouse/ports"
)

var _ ports.RateLimiter = (*Limiter)(nil)

// minSweep is the number of counters below which past windows are never
// swept: a sweep over so few entries is not worth its cost.
const minSweep = 1024

// slot names one window of one key. The window length is part of it so that
// two limits on the same key with different windows never share a count.
type slot struct {
	key    string
	window time.Duration
	start  int64 // Unix nanoseconds
}

// Limiter counts events per key in fixed windows aligned to the Unix epoch,
// so every replica computes the same window for the same instant.
type Limiter struct {
	mu     sync.Mutex
	counts map[slot]int
	// sweepAt is the map size at which the next sweep of past windows runs.
	// Doubling it after each sweep keeps the cost amortised O(1) per call
	// without a background goroutine, and bounds memory to about twice the
	// windows still open.
	sweepAt int
}

// New returns an empty limiter.
func New() *Limiter {
	return &Limiter{counts: make(map[slot]int), sweepAt: minSweep}
}

// Allow counts one event for key in the window containing now. A refused
// event is not counted. Windows that ended before now may have been
// forgotten, so a call with an instant older than earlier calls' may see a
// fresh count.
func (l *Limiter) Allow(_ context.Context, key string, limit int, window time.Duration, now time.Time) (ports.RateDecision, error) {
	if limit <= 0 {
		return ports.RateDecision{}, fmt.Errorf("memory ratelimit: limit must be positive, got %d", limit)
	}
	if window <= 0 {
		return ports.RateDecision{}, fmt.Errorf("memory ratelimit: window must be positive, got %v", window)
	}
	start := windowStart(now, window)
	s := slot{key: key, window: window, start: start}
	reset := time.Unix(0, start+int64(window)).In(now.Location())

	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now.UnixNano())
	n := l.counts[s]
	if n >= limit {
		return ports.RateDecision{Allowed: false, Limit: limit, Remaining: 0, Reset: reset}, nil
	}
	n++
	l.counts[s] = n
	return ports.RateDecision{Allowed: true, Limit: limit, Remaining: limit - n, Reset: reset}, nil
}

// sweep forgets windows that ended at or before now once the map has grown
// to sweepAt. The caller holds l.mu.
func (l *Limiter) sweep(now int64) {
	if len(l.counts) < l.sweepAt {
		return
	}
	for s := range l.counts {
		if s.start+int64(s.window) <= now {
			delete(l.counts, s)
		}
	}
	l.sweepAt = max(minSweep, 2*len(l.counts))
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
