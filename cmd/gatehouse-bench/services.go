package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// Where the real services come from: the variables the tests use.
const (
	envRedisURL    = "GATEHOUSE_TEST_REDIS_URL"
	envPostgresDSN = "GATEHOUSE_TEST_POSTGRES_DSN"
)

// redisRun is the run's share of a shared Redis: one key prefix, deleted
// at the end.
type redisRun struct {
	url, prefix string
}

// openRedis checks that Redis answers and picks the run's prefix.
func openRedis(ctx context.Context, rawURL, id string) (*redisRun, error) {
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("%s does not parse", envRedisURL)
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redis: ping: %w", err)
	}
	return &redisRun{url: rawURL, prefix: "gatehouse-bench:" + id + ":"}, nil
}

func (r *redisRun) close() error {
	o, err := goredis.ParseURL(r.url)
	if err != nil {
		return err
	}
	c := goredis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return deletePrefix(ctx, c, r.prefix)
}

// postgresRun is the run's share of a shared Postgres: one schema, dropped
// at the end.
type postgresRun struct {
	dsn, schema string
}

func openPostgres(ctx context.Context, dsn, id string) (*postgresRun, error) {
	schema := "gh_bench_" + id
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return nil, fmt.Errorf("postgres: create schema: %w", err)
	}
	return &postgresRun{dsn: dsn, schema: schema}, nil
}

// dsnFor points the DSN (URL or key=value form) at schema.
func (p *postgresRun) dsnFor(schema string) string {
	if strings.Contains(p.dsn, "://") {
		sep := "?"
		if strings.Contains(p.dsn, "?") {
			sep = "&"
		}
		return p.dsn + sep + "search_path=" + schema
	}
	return p.dsn + " search_path=" + schema
}

func (p *postgresRun) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.dsn)
	if err != nil {
		return fmt.Errorf("postgres: connect: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "DROP SCHEMA "+p.schema+" CASCADE"); err != nil {
		return fmt.Errorf("postgres: drop schema: %w", err)
	}
	return nil
}

// openServices connects to the stores the run asks for; a store whose
// variable is unset or whose service does not answer is left out with a
// note, so that the rest still runs.
func (h *harness) openServices(ctx context.Context) {
	for _, s := range h.opts.stores {
		switch s {
		case "redis":
			u := os.Getenv(envRedisURL)
			if u == "" {
				h.note("redis skipped: %s is not set", envRedisURL)
				continue
			}
			r, err := openRedis(ctx, u, h.id)
			if err != nil {
				h.note("redis skipped: %v", err)
				continue
			}
			h.redis = r
		case "postgres":
			dsn := os.Getenv(envPostgresDSN)
			if dsn == "" {
				h.note("postgres skipped: %s is not set", envPostgresDSN)
				continue
			}
			p, err := openPostgres(ctx, dsn, h.id)
			if err != nil {
				h.note("postgres skipped: %v", err)
				continue
			}
			h.postgres = p
		}
	}
}

func (h *harness) closeServices() error {
	var errs []error
	if h.redis != nil {
		errs = append(errs, h.redis.close())
	}
	if h.postgres != nil {
		errs = append(errs, h.postgres.close())
	}
	return errors.Join(errs...)
}

// floor starts (once) the bare-http floor process: this program again, in
// its hidden mode, with the run's store connections.
func (h *harness) floor(ctx context.Context) (string, *proc, error) {
	if h.floorProc != nil {
		return h.floorURL, h.floorProc, nil
	}
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("floor: %w", err)
	}
	addr, err := freeAddr()
	if err != nil {
		return "", nil, err
	}
	var env []string
	if h.redis != nil {
		env = append(env, envFloorRedisURL+"="+h.redis.url, envFloorRedisPrefix+"="+h.redis.prefix+"floor:")
	}
	if h.postgres != nil {
		env = append(env, envFloorPostgresDSN+"="+h.postgres.dsnFor(h.postgres.schema))
	}
	p, err := startProc("floor (bare-http)", self, []string{"bare-http", "-listen", addr}, h.childEnv(env))
	if err != nil {
		return "", nil, err
	}
	h.procs = append(h.procs, p)
	url := "http://" + addr
	if err := p.waitReady(ctx, url+"/healthz"); err != nil {
		return "", nil, err
	}
	h.floorURL, h.floorProc = url, p
	h.logf("started floor (bare-http) on %s (pid %d)", url, p.PID())
	return url, p, nil
}
