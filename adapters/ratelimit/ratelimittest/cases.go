package ratelimittest

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/ports"
)

// zone is not UTC so that a backend aligning windows to local time, or
// losing the zone, is caught; instants are compared with Equal.
var zone = time.FixedZone("UTC+05:30", 5*3600+30*60)

// base starts an hour window (10:00 UTC, 15:30 in zone).
var base = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC).In(zone)

const hour = time.Hour

// allow calls l.Allow and fails the test on error.
func allow(t *testing.T, l ports.RateLimiter, key string, limit int, window time.Duration, now time.Time) ports.RateDecision {
	t.Helper()
	d, err := l.Allow(t.Context(), key, limit, window, now)
	if err != nil {
		t.Fatalf("Allow(%q, %d, %v, %v): %v", key, limit, window, now, err)
	}
	return d
}

// epochWindowEnd computes the end of the window containing now from whole
// Unix seconds; window must be a whole number of seconds.
func epochWindowEnd(now time.Time, window time.Duration) time.Time {
	secs, w := now.Unix(), int64(window/time.Second)
	return time.Unix(secs-secs%w+w, 0)
}

func testInvalidArguments(t *testing.T, newLimiter NewFunc) {
	tests := []struct {
		name   string
		limit  int
		window time.Duration
	}{
		{"zero limit", 0, hour},
		{"negative limit", -1, hour},
		{"zero window", 10, 0},
		{"negative window", 10, -time.Second},
	}
	l := newLimiter(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := l.Allow(t.Context(), "k", tt.limit, tt.window, base)
			if err == nil {
				t.Fatalf("Allow(limit %d, window %v) = %+v, nil; want an error", tt.limit, tt.window, d)
			}
		})
	}
}

func testLimitReached(t *testing.T, newLimiter NewFunc) {
	l := newLimiter(t)
	const limit = 100
	for i := range limit {
		now := base.Add(time.Duration(i) * time.Second)
		if d := allow(t, l, "tools:alice", limit, hour, now); !d.Allowed {
			t.Fatalf("call %d refused: %+v", i+1, d)
		}
	}
	want := ports.RateDecision{Allowed: false, Limit: limit, Remaining: 0, Reset: base.Add(hour)}
	// Refused calls keep refusing and never drive Remaining below zero.
	for i := range 3 {
		got := allow(t, l, "tools:alice", limit, hour, base.Add(hour-time.Millisecond))
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("call %d: decision mismatch (-want +got):\n%s", limit+1+i, diff)
		}
	}
}

func testRemainingCountsDown(t *testing.T, newLimiter NewFunc) {
	l := newLimiter(t)
	const limit = 3
	wants := []struct {
		allowed   bool
		remaining int
	}{{true, 2}, {true, 1}, {true, 0}, {false, 0}, {false, 0}}
	for i, w := range wants {
		got := allow(t, l, "tools:bob", limit, hour, base.Add(time.Duration(i)*time.Minute))
		if got.Allowed != w.allowed || got.Remaining != w.remaining || got.Limit != limit {
			t.Errorf("call %d: got (allowed %v, remaining %d, limit %d), want (%v, %d, %d)",
				i+1, got.Allowed, got.Remaining, got.Limit, w.allowed, w.remaining, limit)
		}
	}
}

func testResetIsWindowEnd(t *testing.T, newLimiter NewFunc) {
	// 62135596800 s lie between year 1 and the Unix epoch; 7 s does not
	// divide them, so a backend rounding with time.Time.Truncate (which
	// counts from year 1) gets 7 s windows wrong.
	odd := base.Add(123*time.Second + 456*time.Millisecond)
	oddStart := epochWindowEnd(odd, 7*time.Second).Add(-7 * time.Second)
	tests := []struct {
		name   string
		window time.Duration
		now    time.Time
		want   time.Time
	}{
		{"hour, at window start", hour, base, base.Add(hour)},
		{"hour, mid window", hour, base.Add(17*time.Minute + 3*time.Millisecond), base.Add(hour)},
		{"hour, last nanosecond", hour, base.Add(hour - time.Nanosecond), base.Add(hour)},
		{"hour, next window start", hour, base.Add(hour), base.Add(2 * hour)},
		{"7s, epoch aligned", 7 * time.Second, odd, epochWindowEnd(odd, 7*time.Second)},
		{"7s, at window start", 7 * time.Second, oddStart, oddStart.Add(7 * time.Second)},
		{"7s, last nanosecond", 7 * time.Second, oddStart.Add(7*time.Second - time.Nanosecond), oddStart.Add(7 * time.Second)},
	}
	l := newLimiter(t)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "reset:" + string(rune('a'+i))
			for call := 1; call <= 2; call++ {
				// The second call is refused (limit 1) and must name the same end.
				got := allow(t, l, key, 1, tt.window, tt.now)
				if !got.Reset.Equal(tt.want) {
					t.Errorf("call %d at %v: Reset = %v, want %v", call, tt.now, got.Reset, tt.want)
				}
			}
		})
	}
}

func testWindowReset(t *testing.T, newLimiter NewFunc) {
	l := newLimiter(t)
	const limit = 100
	for i := range limit {
		allow(t, l, "tools:carol", limit, hour, base.Add(time.Duration(i)*time.Second))
	}
	if d := allow(t, l, "tools:carol", limit, hour, base.Add(hour-time.Nanosecond)); d.Allowed {
		t.Fatalf("101st call in the window allowed: %+v", d)
	}
	got := allow(t, l, "tools:carol", limit, hour, base.Add(hour))
	want := ports.RateDecision{Allowed: true, Limit: limit, Remaining: limit - 1, Reset: base.Add(2 * hour)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("first call of the next window (-want +got):\n%s", diff)
	}
}

func testIndependentKeys(t *testing.T, newLimiter NewFunc) {
	l := newLimiter(t)
	const limit = 2
	for range limit {
		allow(t, l, "tools:dave", limit, hour, base)
	}
	if d := allow(t, l, "tools:dave", limit, hour, base); d.Allowed {
		t.Fatalf("over-limit call for dave allowed: %+v", d)
	}
	got := allow(t, l, "tools:erin", limit, hour, base)
	want := ports.RateDecision{Allowed: true, Limit: limit, Remaining: limit - 1, Reset: base.Add(hour)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("erin after dave's limit (-want +got):\n%s", diff)
	}
}

func testConcurrent(t *testing.T, newLimiter NewFunc) {
	l := newLimiter(t)
	const callers, limit = 100, 50
	decisions := make([]ports.RateDecision, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			decisions[i], errs[i] = l.Allow(t.Context(), "tools:frank", limit, hour, base.Add(time.Minute))
		})
	}
	wg.Wait()

	allowed := 0
	seen := make(map[int]bool)
	for i, d := range decisions {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !d.Allowed {
			continue
		}
		allowed++
		// Each allowed call saw its own count: no two got the same Remaining.
		if seen[d.Remaining] {
			t.Errorf("Remaining %d reported to two allowed calls", d.Remaining)
		}
		seen[d.Remaining] = true
	}
	if allowed != limit {
		t.Errorf("%d of %d concurrent calls allowed, want exactly %d", allowed, callers, limit)
	}
	for r := range limit {
		if !seen[r] {
			t.Errorf("no allowed call reported Remaining %d", r)
		}
	}
}
