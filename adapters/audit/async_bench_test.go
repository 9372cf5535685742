package audit_test

import (
	"context"
	"testing"
	"time"

	"gatehouse/adapters/audit"
	"gatehouse/domain"
)

// BenchmarkRecordInvocation is the audit write a tool call pays on its
// request path: "ring" is the in-memory trail written in place; "async" and
// "logged async" queue the entry for a worker, as the Redis and Postgres
// trails are wired (here over a ring, so the worker is never the limit);
// "parallel" queues from every core.
func BenchmarkRecordInvocation(b *testing.B) {
	inv := domain.ToolInvocation{
		At: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC), Subject: "alice", ClientID: "bench",
		Tool: "whoami", Transport: "http", Outcome: "ok", Duration: 120 * time.Microsecond,
		Arguments: map[string]any{"text": "[redacted]"},
	}
	ctx := context.Background()
	newAsync := func(b *testing.B) *audit.Async {
		a := audit.NewAsync(audit.NewRing(1024, nil), 4096, nil)
		b.Cleanup(func() {
			if err := a.Close(context.Background()); err != nil {
				b.Errorf("Close: %v", err)
			}
		})
		return a
	}
	sinks := []struct {
		name string
		new  func(b *testing.B) audit.Trail
	}{
		{"ring", func(*testing.B) audit.Trail { return audit.NewRing(1024, nil) }},
		{"async", func(b *testing.B) audit.Trail { return newAsync(b) }},
		{"logged async", func(b *testing.B) audit.Trail { return audit.NewLogged(newAsync(b), nil) }},
	}
	for _, s := range sinks {
		b.Run(s.name, func(b *testing.B) {
			t := s.new(b)
			b.ReportAllocs()
			for b.Loop() {
				if err := t.RecordInvocation(ctx, inv); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("async parallel", func(b *testing.B) {
		a := newAsync(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := a.RecordInvocation(ctx, inv); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
