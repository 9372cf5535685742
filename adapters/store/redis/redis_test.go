package redis_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"gatehouse/adapters/audit/audittest"
	"gatehouse/adapters/ratelimit/ratelimittest"
	redisstore "gatehouse/adapters/store/redis"
	"gatehouse/adapters/store/storetest"
	"gatehouse/ports"
)

// backend opens stores over one Redis for a test: fresh ones, and replicas
// sharing the last fresh one's data.
type backend struct {
	fresh   func(t *testing.T, opts redisstore.Options) *redisstore.Store
	replica func(t *testing.T) *redisstore.Store
	// raw is a plain client to the last fresh store's Redis, and its prefix.
	raw func(t *testing.T) (*goredis.Client, string)
}

// conformance runs every shared suite the store takes part in.
func conformance(t *testing.T, b backend) {
	t.Run("Stores", func(t *testing.T) {
		storetest.Run(t, storetest.Harness{
			New:        func(t *testing.T) ports.Stores { return b.fresh(t, redisstore.Options{}).Stores() },
			NewReplica: func(t *testing.T) ports.Stores { return b.replica(t).Stores() },
		})
	})
	t.Run("RateLimiter", func(t *testing.T) {
		ratelimittest.Run(t, func(t *testing.T) ports.RateLimiter { return b.fresh(t, redisstore.Options{}) })
	})
	t.Run("Audit", func(t *testing.T) {
		audittest.Run(t, func(t *testing.T) audittest.Log { return b.fresh(t, redisstore.Options{}) })
	})
}

func TestConformanceMiniredis(t *testing.T) { conformance(t, miniBackend()) }

func TestConformanceRedis(t *testing.T) { conformance(t, realBackend(t)) }

func TestAuditCapMiniredis(t *testing.T) { testAuditCap(t, miniBackend()) }

func TestAuditCapRedis(t *testing.T) { testAuditCap(t, realBackend(t)) }

// miniBackend starts a fresh miniredis for every fresh store.
func miniBackend() backend {
	var last *miniredis.Miniredis
	return backend{
		fresh: func(t *testing.T, opts redisstore.Options) *redisstore.Store {
			last = miniredis.RunT(t)
			return mustOpen(t, "redis://"+last.Addr(), opts)
		},
		replica: func(t *testing.T) *redisstore.Store {
			return mustOpen(t, "redis://"+last.Addr(), redisstore.Options{})
		},
		raw: func(t *testing.T) (*goredis.Client, string) {
			return rawClient(t, "redis://"+last.Addr()), "gatehouse:"
		},
	}
}

// realBackend gives every fresh store a random key prefix on the Redis at
// GATEHOUSE_TEST_REDIS_URL and deletes that prefix's keys afterwards, so
// that tests running in parallel against the same server never meet.
func realBackend(t *testing.T) backend {
	url := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GATEHOUSE_TEST_REDIS_URL is not set; CI must run the Redis store against a real Redis")
		}
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	var lastPrefix string
	return backend{
		fresh: func(t *testing.T, opts redisstore.Options) *redisstore.Store {
			lastPrefix = "gatehouse-test:" + randomHex(t) + ":"
			opts.Prefix = lastPrefix
			t.Cleanup(func() { deletePrefix(t, url, opts.Prefix) })
			return mustOpen(t, url, opts)
		},
		replica: func(t *testing.T) *redisstore.Store {
			return mustOpen(t, url, redisstore.Options{Prefix: lastPrefix})
		},
		raw: func(t *testing.T) (*goredis.Client, string) { return rawClient(t, url), lastPrefix },
	}
}

func mustOpen(t *testing.T, url string, opts redisstore.Options) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func rawClient(t *testing.T, url string) *goredis.Client {
	t.Helper()
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// deletePrefix removes every key under prefix. SCAN is fine here: the store
// itself never walks the keyspace.
func deletePrefix(t *testing.T, url, prefix string) {
	o, err := goredis.ParseURL(url)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx := context.Background() // t.Context is already done in cleanups
	iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("cleanup: scan %s*: %v", prefix, err)
		return
	}
	if len(keys) > 0 {
		if err := c.Del(ctx, keys...).Err(); err != nil {
			t.Errorf("cleanup: delete %d keys: %v", len(keys), err)
		}
	}
}
