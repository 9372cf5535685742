package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// testKEK is a store.key_encryption_key for tests (32 zero bytes).
const testKEK = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// requireService returns the value of env, skipping the test when it is
// unset, except under CI=true, where a missing service fails the run.
func requireService(t *testing.T, env string) string {
	t.Helper()
	v := os.Getenv(env)
	if v == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; under CI=true the real service is required", env)
		}
		t.Skipf("%s is not set", env)
	}
	return v
}

func randomName(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// backend is a shared store for replicas: the environment that selects it.
type backend struct {
	Name string
	Env  []string
}

// redisBackend is the real Redis under a key prefix of the test's own,
// removed afterwards.
func redisBackend(t *testing.T) backend {
	t.Helper()
	return redisBackendAt(t, requireService(t, "GATEHOUSE_TEST_REDIS_URL"))
}

func redisBackendAt(t *testing.T, rawURL string) backend {
	t.Helper()
	prefix := "gatehouse-e2e:" + randomName(t) + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(rawURL)
		if err != nil {
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return backend{Name: "redis", Env: []string{
		"GATEHOUSE_STORE__DRIVER=redis",
		"GATEHOUSE_STORE__REDIS__URL=" + rawURL,
		"GATEHOUSE_STORE__REDIS__PREFIX=" + prefix,
		"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY=" + testKEK,
	}}
}

// postgresBackend is the real Postgres in a schema of the test's own,
// dropped afterwards.
func postgresBackend(t *testing.T) backend {
	t.Helper()
	return postgresBackendAt(t, requireService(t, "GATEHOUSE_TEST_POSTGRES_DSN"))
}

func postgresBackendAt(t *testing.T, dsn string) backend {
	t.Helper()
	schema := "gh_e2e_" + randomName(t)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			_, _ = c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			_ = c.Close(ctx)
		}
	})
	return backend{Name: "postgres", Env: []string{
		"GATEHOUSE_STORE__DRIVER=postgres",
		"GATEHOUSE_STORE__POSTGRES__DSN=" + withSearchPath(dsn, schema),
		"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY=" + testKEK,
	}}
}

// withSearchPath points a DSN (URL or key=value form) at schema.
func withSearchPath(dsn, schema string) string {
	if strings.Contains(dsn, "://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + schema
	}
	return dsn + " search_path=" + schema
}

// balancer stands in front of replicas like a load balancer: one public
// URL, the Host header passed through, and the test choosing which replica
// takes the next requests.
type balancer struct {
	URL string
	mu  sync.Mutex
	to  *url.URL
}

func newBalancer(t *testing.T) *balancer {
	t.Helper()
	b := &balancer{}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(b.target())
			pr.Out.Host = pr.In.Host
		},
		FlushInterval: -1,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	b.URL = srv.URL
	return b
}

func (b *balancer) target() *url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.to
}

// use sends the following requests to replica s.
func (b *balancer) use(s *server) {
	u, _ := url.Parse(s.URL)
	b.mu.Lock()
	b.to = u
	b.mu.Unlock()
}

// front is the balancer as the server clients see.
func (b *balancer) front() *server {
	return &server{URL: b.URL, Resource: b.URL + "/mcp", Addr: strings.TrimPrefix(b.URL, "http://")}
}

// startReplicas starts n replicas behind one balancer, sharing a backend
// and one public base URL, as a deployment would.
func startReplicas(t *testing.T, n int, be backend, env ...string) (*balancer, []*server) {
	t.Helper()
	lb := newBalancer(t)
	all := append(append([]string{
		"GATEHOUSE_SERVER__BASE_URL=" + lb.URL,
		// Replicas notice keys rotated elsewhere within a second.
		"GATEHOUSE_AUTH__BUILTIN__KEY_RELOAD_INTERVAL=1s",
	}, be.Env...), env...)
	var out []*server
	for range n {
		out = append(out, startServer(t, all...))
	}
	lb.use(out[0])
	return lb, out
}
