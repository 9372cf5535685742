// Package audittest is the one conformance suite for audit trails that keep
// what they record (the in-process ring, the Redis stream, the Postgres
// table): what goes in comes out, newest first, whole and unaliased.
package audittest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Log is an audit trail that can be read back.
type Log interface {
	ports.AuditSink
	ports.AuditReader
}

// Run runs every case, each against a fresh, empty log from newLog that
// keeps at least 100 entries.
func Run(t *testing.T, newLog func(t *testing.T) Log) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(*testing.T, Log)
	}{
		{"RoundTrip", testRoundTrip},
		{"NewestFirst", testNewestFirst},
		{"Limit", testLimit},
		{"NoAliasing", testNoAliasing},
		{"Concurrent", testConcurrent},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, newLog(t)) })
	}
}

// base has millisecond precision and a non-UTC zone: backends may keep
// neither nanoseconds nor zones, so instants are compared with Equal.
func base() time.Time {
	return time.Date(2031, time.March, 4, 5, 6, 7, 8_000_000, time.FixedZone("UTC+2", 2*60*60))
}

func invocation(i int) domain.ToolInvocation {
	return domain.ToolInvocation{
		At:        base().Add(time.Duration(i) * time.Second),
		Subject:   fmt.Sprintf("user-%d", i),
		ClientID:  "client-a",
		Tool:      "whoami",
		Transport: "http",
		Outcome:   "denied",
		Reason:    "insufficient_scope",
		Duration:  1500 * time.Microsecond,
		Arguments: map[string]any{"q": "select 1", "dry": true},
	}
}

func record(t *testing.T, l Log, inv domain.ToolInvocation) {
	t.Helper()
	if err := l.RecordInvocation(t.Context(), inv); err != nil {
		t.Fatalf("RecordInvocation: %v", err)
	}
}

func recent(t *testing.T, l Log, limit int) []domain.ToolInvocation {
	t.Helper()
	got, err := l.RecentInvocations(t.Context(), limit)
	if err != nil {
		t.Fatalf("RecentInvocations(%d): %v", limit, err)
	}
	return got
}

var equate = cmp.Options{cmpopts.EquateApproxTime(0), cmpopts.EquateEmpty()}

// testRoundTrip: every field of an invocation reads back as recorded.
func testRoundTrip(t *testing.T, l Log) {
	want := invocation(1)
	record(t, l, want)
	got := recent(t, l, 10)
	if len(got) != 1 {
		t.Fatalf("RecentInvocations: %d entries, want 1", len(got))
	}
	if d := cmp.Diff(want, got[0], equate); d != "" {
		t.Errorf("invocation read back differs (-want +got):\n%s", d)
	}
}

// testNewestFirst: entries come back in reverse order of recording.
func testNewestFirst(t *testing.T, l Log) {
	for i := range 5 {
		record(t, l, invocation(i))
	}
	got := recent(t, l, 0)
	if len(got) != 5 {
		t.Fatalf("RecentInvocations(0): %d entries, want all 5", len(got))
	}
	for i, inv := range got {
		if want := fmt.Sprintf("user-%d", 4-i); inv.Subject != want {
			t.Errorf("entry %d is %s, want %s", i, inv.Subject, want)
		}
	}
}

// testLimit: a positive limit caps the answer at the newest entries.
func testLimit(t *testing.T, l Log) {
	for i := range 5 {
		record(t, l, invocation(i))
	}
	got := recent(t, l, 2)
	if len(got) != 2 || got[0].Subject != "user-4" || got[1].Subject != "user-3" {
		t.Errorf("RecentInvocations(2) = %v, want user-4 then user-3", subjects(got))
	}
}

// testNoAliasing: changing the caller's argument map after recording, or a
// returned map, changes nothing kept.
func testNoAliasing(t *testing.T, l Log) {
	inv := invocation(1)
	record(t, l, inv)
	inv.Arguments["q"] = "changed by caller"
	recent(t, l, 1)[0].Arguments["q"] = "changed by reader"
	if got := recent(t, l, 1)[0].Arguments["q"]; got != "select 1" {
		t.Errorf("kept argument is %v, want %q", got, "select 1")
	}
}

// testConcurrent: 50 concurrent writers lose no entry.
func testConcurrent(t *testing.T, l Log) {
	const n = 50
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = l.RecordInvocation(t.Context(), invocation(i)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("RecordInvocation #%d: %v", i, err)
		}
	}
	got := recent(t, l, 0)
	seen := map[string]bool{}
	for _, inv := range got {
		seen[inv.Subject] = true
	}
	if len(got) != n || len(seen) != n {
		t.Errorf("after %d concurrent writes: %d entries, %d distinct, want %d", n, len(got), len(seen), n)
	}
}

func subjects(invs []domain.ToolInvocation) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv.Subject
	}
	return out
}
