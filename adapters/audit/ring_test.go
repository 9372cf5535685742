package audit_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/audit"
	"gatehouse/adapters/audit/audittest"
	"gatehouse/domain"
)

var at = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// record adds invocations named t1..tn in that order.
func record(t *testing.T, r *audit.Ring, n int) {
	t.Helper()
	for i := 1; i <= n; i++ {
		inv := domain.ToolInvocation{At: at.Add(time.Duration(i) * time.Second), Tool: fmt.Sprintf("t%d", i), Outcome: "ok"}
		if err := r.RecordInvocation(t.Context(), inv); err != nil {
			t.Fatalf("RecordInvocation(%s): %v", inv.Tool, err)
		}
	}
}

func tools(invs []domain.ToolInvocation) []string {
	out := make([]string, len(invs))
	for i, inv := range invs {
		out[i] = inv.Tool
	}
	return out
}

func TestRingRecent(t *testing.T) {
	tests := []struct {
		name     string
		size     int
		recorded int
		limit    int
		want     []string
	}{
		{"empty", 3, 0, 10, []string{}},
		{"newest first", 5, 3, 10, []string{"t3", "t2", "t1"}},
		{"limit takes newest", 5, 4, 2, []string{"t4", "t3"}},
		{"exactly full", 3, 3, 3, []string{"t3", "t2", "t1"}},
		{"wrap-around drops oldest", 3, 5, 3, []string{"t5", "t4", "t3"}},
		{"wrap-around twice", 3, 7, 3, []string{"t7", "t6", "t5"}},
		{"limit clamps to size", 3, 5, 100, []string{"t5", "t4", "t3"}},
		{"zero limit returns all held", 3, 5, 0, []string{"t5", "t4", "t3"}},
		{"negative limit returns all held", 4, 2, -1, []string{"t2", "t1"}},
		{"size one", 1, 4, 10, []string{"t4"}},
		{"size zero keeps none", 0, 4, 10, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := audit.NewRing(tt.size, nil)
			record(t, r, tt.recorded)
			got, err := r.RecentInvocations(t.Context(), tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, tools(got)); diff != "" {
				t.Errorf("RecentInvocations(%d) tools mismatch (-want +got):\n%s", tt.limit, diff)
			}
		})
	}
}

func TestRingKeepsWholeInvocation(t *testing.T) {
	r := audit.NewRing(2, nil)
	want := domain.ToolInvocation{
		At: at, Subject: "alice", ClientID: "cli", Tool: "echo", Transport: "http",
		Outcome: "denied", Reason: "insufficient_scope", Duration: 1500 * time.Microsecond,
		Arguments: map[string]any{"text": "hi"},
	}
	if err := r.RecordInvocation(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got, err := r.RecentInvocations(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]domain.ToolInvocation{want}, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}
}

func TestRingNoAliasing(t *testing.T) {
	r := audit.NewRing(2, nil)
	args := map[string]any{"text": "hi"}
	if err := r.RecordInvocation(t.Context(), domain.ToolInvocation{Tool: "echo", Arguments: args}); err != nil {
		t.Fatal(err)
	}
	args["text"] = "changed by caller"

	first, err := r.RecentInvocations(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	first[0].Arguments["text"] = "changed by reader"

	second, err := r.RecentInvocations(t.Context(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := second[0].Arguments["text"]; got != "hi" {
		t.Errorf("stored argument = %q, want %q", got, "hi")
	}
}

func TestRingConcurrent(t *testing.T) {
	const writers, each, size = 20, 50, 64
	r := audit.NewRing(size, nil)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				inv := domain.ToolInvocation{Tool: fmt.Sprintf("w%d-%d", w, i), Arguments: map[string]any{"i": i}}
				if err := r.RecordInvocation(t.Context(), inv); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			for range each {
				if _, err := r.RecentInvocations(t.Context(), size); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()

	got, err := r.RecentInvocations(t.Context(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != size {
		t.Fatalf("held %d invocations, want %d", len(got), size)
	}
	seen := make(map[string]bool)
	for _, inv := range got {
		if seen[inv.Tool] {
			t.Errorf("invocation %s held twice", inv.Tool)
		}
		seen[inv.Tool] = true
	}
}

// TestRingConformance: the ring passes the shared audit suite.
func TestRingConformance(t *testing.T) {
	audittest.Run(t, func(*testing.T) audittest.Log { return audit.NewRing(100, nil) })
}
