// Package ratelimittest is the conformance suite every ports.RateLimiter
// runs, so that limits behave the same whichever backend counts them.
//
// The suite never reads a clock or sleeps: every call passes an explicit
// instant, and windows are fixed and aligned to the Unix epoch, so the
// expected window of any instant is computed here independently.
package ratelimittest

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"gatehouse/ports"
)

// suiteTimeout bounds the whole run so that a deadlocked limiter fails with
// every goroutine's stack instead of hanging until go test's own timeout.
const suiteTimeout = 60 * time.Second

// NewFunc returns an empty limiter for one subtest (cleanup via t.Cleanup).
type NewFunc func(t *testing.T) ports.RateLimiter

type testCase struct {
	name string
	run  func(t *testing.T, newLimiter NewFunc)
}

// cases lists every conformance case. Names are stable: adapters may refer to
// them with -run.
func cases() []testCase {
	return []testCase{
		{"InvalidArguments", testInvalidArguments},
		{"LimitReached", testLimitReached},
		{"RemainingCountsDown", testRemainingCountsDown},
		{"ResetIsWindowEnd", testResetIsWindowEnd},
		{"WindowReset", testWindowReset},
		{"IndependentKeys", testIndependentKeys},
		{"Concurrent", testConcurrent},
	}
}

// Run runs every conformance case, each against a fresh limiter from
// newLimiter.
func Run(t *testing.T, newLimiter NewFunc) {
	t.Helper()
	if newLimiter == nil {
		t.Fatal("ratelimittest: newLimiter is nil")
	}
	withTimeout(suiteTimeout, func() {
		for _, c := range cases() {
			t.Run(c.name, func(t *testing.T) { c.run(t, newLimiter) })
		}
	})
}

// withTimeout runs f and, if it has not returned after d, prints every
// goroutine's stack and crashes the test binary: a deadlock must fail loudly.
func withTimeout(d time.Duration, f func()) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			buf := make([]byte, 8<<20)
			n := runtime.Stack(buf, true)
			fmt.Fprintf(os.Stderr, "ratelimittest: suite still running after %v; goroutines:\n%s\n", d, buf[:n])
			panic(fmt.Sprintf("ratelimittest: suite timed out after %v (possible deadlock)", d))
		}
	}()
	f()
}
