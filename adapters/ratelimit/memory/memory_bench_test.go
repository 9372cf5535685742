package memory_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatehouse/adapters/ratelimit/memory"
)

// BenchmarkAllow is the per-call rate-limit check: "one key" is one busy
// subject, "many keys" spreads the calls over a thousand subjects in the
// same window, "parallel" is one key from every core.
func BenchmarkAllow(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	const limit, window = 1 << 30, time.Minute
	b.Run("one key", func(b *testing.B) {
		l := memory.New()
		b.ReportAllocs()
		for b.Loop() {
			if d, err := l.Allow(ctx, "tools:alice", limit, window, now); err != nil || !d.Allowed {
				b.Fatalf("Allow = %+v, %v", d, err)
			}
		}
	})
	b.Run("many keys", func(b *testing.B) {
		l := memory.New()
		keys := make([]string, 1000)
		for i := range keys {
			keys[i] = fmt.Sprintf("tools:user-%d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if d, err := l.Allow(ctx, keys[i%len(keys)], limit, window, now); err != nil || !d.Allowed {
				b.Fatalf("Allow = %+v, %v", d, err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		l := memory.New()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if d, err := l.Allow(ctx, "tools:alice", limit, window, now); err != nil || !d.Allowed {
					b.Errorf("Allow = %+v, %v", d, err)
					return
				}
			}
		})
	})
}
