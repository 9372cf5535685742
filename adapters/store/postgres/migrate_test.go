package postgres

import (
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/domain"
)

var schemaTables = []string{
	"clients", "grants", "auth_codes", "refresh_tokens", "revocations", "auth_requests",
	"consents", "sessions", "signing_keys", "rate_limits", "audit_log", "users",
}

// allMigrations are the embedded migrations in the order they apply.
var allMigrations = []string{"001_init", "002_users"}

// missingTables lists the schema's tables that do not exist.
func missingTables(t *testing.T, s *Store) []string {
	t.Helper()
	var missing []string
	for _, table := range schemaTables {
		var exists bool
		if err := s.db.QueryRowContext(t.Context(), "SELECT to_regclass(?) IS NOT NULL", table).Scan(&exists); err != nil {
			t.Fatalf("look for table %s: %v", table, err)
		}
		if !exists {
			missing = append(missing, table)
		}
	}
	return missing
}

func sameNames(t *testing.T, what string, want, got []string) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// TestMigrateIsIdempotent: Pending lists the embedded migrations before
// Migrate and nothing after; Migrate creates every table, and a second
// Migrate applies nothing.
func TestMigrateIsIdempotent(t *testing.T) {
	ctx := t.Context()
	s := openStore(t, newSchema(t), Options{})

	pending, err := s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending before Migrate", allMigrations, pending)
	if got := missingTables(t, s); len(got) != len(schemaTables) {
		t.Fatalf("Pending created tables: only %q are missing", got)
	}

	applied, err := s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied by the first Migrate", allMigrations, applied)
	sameNames(t, "missing tables after Migrate", nil, missingTables(t, s))

	pending, err = s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending after Migrate", nil, pending)

	applied, err = s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied by the second Migrate", nil, applied)
}

// TestRollbackDropsAndMigrateRestores: rolling back the group Migrate
// applied runs the down migrations newest first and removes every table,
// Pending lists the migrations again, and Migrate brings back a working
// schema.
func TestRollbackDropsAndMigrateRestores(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))

	rolledBack, err := s.Rollback(ctx)
	mustNil(t, err)
	sameNames(t, "rolled back", []string{"002_users", "001_init"}, rolledBack)
	sameNames(t, "missing tables after Rollback", schemaTables, missingTables(t, s))
	pending, err := s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending after Rollback", allMigrations, pending)

	applied, err := s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied after Rollback", allMigrations, applied)
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
	mustNil(t, s.CreateUser(ctx, domain.User{Username: "alice"}))
}

// TestMigrateConcurrentReplicas: replicas starting together all succeed and
// every migration is applied exactly once: the others wait on the lock, then
// find nothing pending.
func TestMigrateConcurrentReplicas(t *testing.T) {
	dsn := newSchema(t)
	const n = 3
	stores := make([]*Store, n)
	for i := range stores {
		stores[i] = openStore(t, dsn, Options{})
	}
	applied := make([][]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { applied[i], errs[i] = s.Migrate(t.Context()) })
	}
	wg.Wait()
	var all []string
	for i := range stores {
		if errs[i] != nil {
			t.Errorf("replica %d: Migrate: %v", i, errs[i])
		}
		all = append(all, applied[i]...)
	}
	slices.Sort(all)
	sameNames(t, "migrations applied over all replicas", allMigrations, all)
	sameNames(t, "missing tables", nil, missingTables(t, stores[0]))
}

// TestMigrateUpgradesAnInitSchema: a database that has only 001_init (a
// deployment of the release before users were stored) keeps its data, has
// 002_users pending, and gets exactly that applied.
func TestMigrateUpgradesAnInitSchema(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
	// Make the schema what 001_init alone left behind.
	_, err := s.db.ExecContext(ctx, "DROP TABLE users")
	mustNil(t, err)
	_, err = s.db.ExecContext(ctx, "DELETE FROM "+migrationsTable+" WHERE name = '002'")
	mustNil(t, err)

	pending, err := s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending on an init schema", []string{"002_users"}, pending)
	applied, err := s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied on an init schema", []string{"002_users"}, applied)
	sameNames(t, "missing tables after the upgrade", nil, missingTables(t, s))
	if _, err := s.GetClient(ctx, "c1"); err != nil {
		t.Errorf("client stored before the upgrade: %v", err)
	}
	mustNil(t, s.CreateUser(ctx, domain.User{Username: "alice"}))
}
