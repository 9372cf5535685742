package audit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatehouse/adapters/audit"
	"gatehouse/adapters/audit/audittest"
	"gatehouse/domain"
)

// TestAsyncConformance: reads see every write queued before them.
func TestAsyncConformance(t *testing.T) {
	audittest.Run(t, func(t *testing.T) audittest.Log {
		a := audit.NewAsync(audit.NewRing(100, nil), 8, nil)
		t.Cleanup(func() { _ = a.Close(context.Background()) })
		return a
	})
}

// slowTrail takes a while per write, like a remote store under load.
type slowTrail struct {
	audit.Trail
	delay time.Duration
}

func (s slowTrail) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	time.Sleep(s.delay)
	return s.Trail.RecordInvocation(ctx, inv)
}

// TestAsyncCloseLosesNothing: entries still queued when Close is called are
// all written before it returns, and writes after Close still land.
func TestAsyncCloseLosesNothing(t *testing.T) {
	ring := audit.NewRing(1000, nil)
	a := audit.NewAsync(slowTrail{ring, time.Millisecond}, 16, nil)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				inv := domain.ToolInvocation{Tool: "t", Subject: fmt.Sprintf("w%d-%d", w, i)}
				if err := a.RecordInvocation(t.Context(), inv); err != nil {
					t.Errorf("RecordInvocation: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if err := a.Close(t.Context()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.RecordInvocation(t.Context(), domain.ToolInvocation{Tool: "after-close"}); err != nil {
		t.Fatalf("RecordInvocation after Close: %v", err)
	}
	got, _ := ring.RecentInvocations(t.Context(), 0)
	if len(got) != writers*each+1 {
		t.Errorf("%d entries written, want %d: Close lost some", len(got), writers*each+1)
	}
}

// gatedTrail writes only once its gate opens, like a store that hangs.
type gatedTrail struct {
	audit.Trail
	gate chan struct{}
}

func (g gatedTrail) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	<-g.gate
	return g.Trail.RecordInvocation(ctx, inv)
}

// TestAsyncRecordDoesNotWaitForTheStore: with a store that cannot write yet,
// recording returns at once; the entries land when the store moves again.
func TestAsyncRecordDoesNotWaitForTheStore(t *testing.T) {
	ring := audit.NewRing(10, nil)
	gate := make(chan struct{})
	a := audit.NewAsync(gatedTrail{ring, gate}, 16, nil)
	defer a.Close(context.Background())
	for range 3 {
		if err := a.RecordInvocation(t.Context(), domain.ToolInvocation{Tool: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := ring.RecentInvocations(t.Context(), 0); len(got) != 0 {
		t.Fatalf("%d entries in a store that cannot write", len(got))
	}
	close(gate)
	if got, _ := a.RecentInvocations(t.Context(), 0); len(got) != 3 {
		t.Errorf("after the store moved and a read barrier: %d entries, want 3", len(got))
	}
}
