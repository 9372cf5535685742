package postgres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

const dsnVar = "GATEHOUSE_TEST_POSTGRES_DSN"

// testDSN returns the database the tests may use: skipped without one,
// except under CI, where a missing database is a failure.
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv(dsnVar)
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", dsnVar)
		}
		t.Skipf("%s is not set", dsnVar)
	}
	return dsn
}

// newSchema creates an empty schema of its own for one test, dropped when
// the test ends, and returns a DSN that works in it. Other packages' tests
// share the database, so nothing may touch the public schema.
func newSchema(t *testing.T) string {
	t.Helper()
	base := testDSN(t)
	schema := newSchemaName()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := dropSchema(admin, schema); err != nil {
			t.Error(err)
		}
		_ = admin.Close()
	})
	return withParam(base, "search_path", schema)
}

func newSchemaName() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "gh_test_" + hex.EncodeToString(b)
}

func dropSchema(admin *sql.DB, schema string) error {
	// Cleanups run after t.Context is done: use a context of their own.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
		return fmt.Errorf("drop schema %s: %w", schema, err)
	}
	return nil
}

// schemaPool hands out fresh, migrated schemas, one per call of take. The
// conformance suites run their cases one after another and each case wants
// an empty store, so creating and migrating (a few hundred milliseconds of
// DDL) and dropping happen in background goroutines, overlapping the cases
// instead of adding up.
type schemaPool struct {
	base  string
	admin *sql.DB
	ready chan string
	work  sync.WaitGroup // producers and drops

	failOnce sync.Once
	failed   chan struct{} // closed once a producer fails
	err      error         // set before failed is closed
}

// newSchemaPool starts producers that keep up to ahead schemas ready; the
// pool drops every schema it made when t ends.
func newSchemaPool(t *testing.T, ahead int) *schemaPool {
	t.Helper()
	base := testDSN(t)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open admin connection: %v", err)
	}
	p := &schemaPool{base: base, admin: admin, ready: make(chan string, ahead), failed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	var producers sync.WaitGroup
	for range ahead {
		producers.Go(func() {
			for ctx.Err() == nil {
				schema, err := p.create(ctx)
				if err != nil {
					if ctx.Err() == nil {
						p.failOnce.Do(func() { p.err = err; close(p.failed) })
					}
					return
				}
				select {
				case p.ready <- schema:
				case <-ctx.Done():
					p.dropLater(t, schema)
				}
			}
		})
	}
	t.Cleanup(func() {
		cancel()
		producers.Wait()
		close(p.ready)
		for schema := range p.ready {
			p.dropLater(t, schema)
		}
		p.work.Wait()
		_ = admin.Close()
	})
	return p
}

func (p *schemaPool) create(ctx context.Context) (string, error) {
	schema := newSchemaName()
	if _, err := p.admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", fmt.Errorf("create schema: %w", err)
	}
	s, err := Open(ctx, withParam(p.base, "search_path", schema), Options{})
	if err == nil {
		_, err = s.Migrate(ctx)
		_ = s.Close()
	}
	if err != nil {
		_ = dropSchema(p.admin, schema)
		return "", fmt.Errorf("migrate schema %s: %w", schema, err)
	}
	return schema, nil
}

func (p *schemaPool) dropLater(t *testing.T, schema string) {
	p.work.Go(func() {
		if err := dropSchema(p.admin, schema); err != nil {
			t.Error(err)
		}
	})
}

// take returns the DSN of a fresh, migrated schema of t's own, dropped
// after t ends (and after the stores t opened on it are closed).
func (p *schemaPool) take(t *testing.T) string {
	t.Helper()
	select {
	case schema := <-p.ready:
		t.Cleanup(func() { p.dropLater(t, schema) })
		return withParam(p.base, "search_path", schema)
	case <-p.failed:
		t.Fatal(p.err)
	case <-time.After(time.Minute):
		t.Fatal("no schema ready after a minute")
	}
	return ""
}

// withParam adds a run-time parameter to a URL or keyword/value DSN.
func withParam(dsn, key, value string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set(key, value)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " " + key + "=" + value
}

// openStore opens a Store closed when the test ends.
func openStore(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newMigratedStore returns a Store over a fresh, migrated schema and the
// DSN that reaches it.
func newMigratedStore(t *testing.T, opts Options) (*Store, string) {
	t.Helper()
	dsn := newSchema(t)
	s := openStore(t, dsn, opts)
	if _, err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return s, dsn
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
