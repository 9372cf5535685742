package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/ports"
)

// base is the suite's fixed "now". It has millisecond precision and a
// non-UTC zone because backends may keep neither nanoseconds nor zones; the
// suite therefore compares instants with Equal, never ==. Every case moves
// time forward only, as a real clock would.
func base() time.Time {
	return time.Date(2031, time.March, 4, 5, 6, 7, 8_000_000, time.FixedZone("UTC+2", 2*60*60))
}

// at is base plus d.
func at(d time.Duration) time.Time { return base().Add(d) }

// equate makes cmp treat equal instants and nil/empty slices as equal: what a
// backend may legitimately change on a round trip.
func equate() cmp.Options {
	return cmp.Options{cmpopts.EquateApproxTime(0), cmpopts.EquateEmpty()}
}

// check fails the test unless err matches want under errors.Is (want nil:
// no error).
func check(t *testing.T, op string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: unexpected error: %v", op, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s: got error %v, want %v", op, err, want)
	}
}

// same fails the test when got differs from want beyond what equate allows.
func same(t *testing.T, what string, want, got any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, append(opts, equate())...); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// replicas returns the stores of one subtest: New's and, when the harness
// supports it, a second replica over the same backend. Concurrency cases
// spread their goroutines over all of them.
func replicas(t *testing.T, h Harness) []ports.Stores {
	t.Helper()
	s := []ports.Stores{h.New(t)}
	if h.NewReplica != nil {
		s = append(s, h.NewReplica(t))
	}
	return s
}
