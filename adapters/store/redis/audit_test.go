package redis_test

import (
	"fmt"
	"testing"
	"time"

	redisstore "gatehouse/adapters/store/redis"
	"gatehouse/domain"
)

// testAuditCap: with AuditMaxLen n the trail answers at most the newest n
// invocations, newest first, whatever the limit asked, and the stream
// itself is trimmed as it grows.
func testAuditCap(t *testing.T, b backend) {
	const capLen, total = 10, 250
	s := b.fresh(t, redisstore.Options{AuditMaxLen: capLen})
	ctx := t.Context()
	at := time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)
	for i := range total {
		inv := domain.ToolInvocation{At: at.Add(time.Duration(i) * time.Second), Subject: fmt.Sprintf("user-%d", i), Tool: "whoami"}
		if err := s.RecordInvocation(ctx, inv); err != nil {
			t.Fatalf("RecordInvocation #%d: %v", i, err)
		}
	}
	for _, tc := range []struct {
		limit int
		want  int
	}{{0, capLen}, {-1, capLen}, {3, 3}, {capLen, capLen}, {1000, capLen}} {
		got, err := s.RecentInvocations(ctx, tc.limit)
		if err != nil {
			t.Fatalf("RecentInvocations(%d): %v", tc.limit, err)
		}
		if len(got) != tc.want {
			t.Errorf("RecentInvocations(%d): %d entries, want %d", tc.limit, len(got), tc.want)
			continue
		}
		for i, inv := range got {
			if want := fmt.Sprintf("user-%d", total-1-i); inv.Subject != want {
				t.Errorf("RecentInvocations(%d)[%d] = %s, want %s", tc.limit, i, inv.Subject, want)
			}
		}
	}

	raw, prefix := b.raw(t)
	n, err := raw.XLen(ctx, prefix+"audit").Result()
	if err != nil {
		t.Fatalf("XLEN: %v", err)
	}
	// MAXLEN ~ trims whole nodes of the stream, so a few more than the cap
	// may remain, but never everything.
	if n < capLen || n >= total {
		t.Errorf("stream holds %d entries after %d appends with cap %d: not trimmed", n, total, capLen)
	}
}
