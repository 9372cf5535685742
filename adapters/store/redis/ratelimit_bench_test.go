package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	redisstore "gatehouse/adapters/store/redis"
)

// BenchmarkAllow is the per-call rate-limit check against the real Redis
// at GATEHOUSE_TEST_REDIS_URL: one script round trip per call, "serial"
// from one goroutine and "parallel" from every core.
func BenchmarkAllow(b *testing.B) {
	url := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			b.Fatal("GATEHOUSE_TEST_REDIS_URL is not set; CI must run the Redis store against a real Redis")
		}
		b.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	ctx := context.Background()
	now := time.Now()
	const limit, window = 1 << 30, time.Minute
	open := func(b *testing.B) *redisstore.Store {
		raw := make([]byte, 8)
		if _, err := rand.Read(raw); err != nil {
			b.Fatal(err)
		}
		prefix := "gatehouse-bench:" + hex.EncodeToString(raw) + ":"
		s, err := redisstore.Open(ctx, url, redisstore.Options{Prefix: prefix})
		if err != nil {
			b.Fatalf("Open: %v", err)
		}
		b.Cleanup(func() {
			benchDeletePrefix(b, url, prefix)
			if err := s.Close(); err != nil {
				b.Errorf("Close: %v", err)
			}
		})
		return s
	}
	b.Run("serial", func(b *testing.B) {
		s := open(b)
		b.ReportAllocs()
		for b.Loop() {
			if d, err := s.Allow(ctx, "tools:alice", limit, window, now); err != nil || !d.Allowed {
				b.Fatalf("Allow = %+v, %v", d, err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		s := open(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if d, err := s.Allow(ctx, "tools:alice", limit, window, now); err != nil || !d.Allowed {
					b.Errorf("Allow = %+v, %v", d, err)
					return
				}
			}
		})
	})
}

// benchDeletePrefix removes the benchmark's keys.
func benchDeletePrefix(b *testing.B, url, prefix string) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		b.Errorf("cleanup: %v", err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		b.Errorf("cleanup: scan %s*: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			b.Errorf("cleanup: delete %d keys: %v", len(keys), err)
		}
	}
}
