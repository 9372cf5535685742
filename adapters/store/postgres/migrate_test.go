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
	"consents", "sessions", "signing_keys", "rate_limits", "audit_log",
}

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

// TestMigrateIsIdempotent: Pending lists the embedded migration before
// Migrate and nothing after; Migrate creates every table, and a second
// Migrate applies nothing.
func TestMigrateIsIdempotent(t *testing.T) {
	ctx := t.Context()
	s := openStore(t, newSchema(t), Options{})

	pending, err := s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending before Migrate", []string{"001_init"}, pending)
	if got := missingTables(t, s); len(got) != len(schemaTables) {
		t.Fatalf("Pending created tables: only %q are missing", got)
	}

	applied, err := s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied by the first Migrate", []string{"001_init"}, applied)
	sameNames(t, "missing tables after Migrate", nil, missingTables(t, s))

	pending, err = s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending after Migrate", nil, pending)

	applied, err = s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied by the second Migrate", nil, applied)
}

// TestRollbackDropsAndMigrateRestores: the down migration removes every
// table, Pending lists the migration again, and Migrate brings back a
// working schema.
func TestRollbackDropsAndMigrateRestores(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))

	rolledBack, err := s.Rollback(ctx)
	mustNil(t, err)
	sameNames(t, "rolled back", []string{"001_init"}, rolledBack)
	sameNames(t, "missing tables after Rollback", schemaTables, missingTables(t, s))
	pending, err := s.Pending(ctx)
	mustNil(t, err)
	sameNames(t, "pending after Rollback", []string{"001_init"}, pending)

	applied, err := s.Migrate(ctx)
	mustNil(t, err)
	sameNames(t, "applied after Rollback", []string{"001_init"}, applied)
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
}

// TestMigrateConcurrentReplicas: replicas starting together all succeed and
// the migration is applied exactly once: the others wait on the lock, then
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
	sameNames(t, "migrations applied over all replicas", []string{"001_init"}, all)
	sameNames(t, "missing tables", nil, missingTables(t, stores[0]))
}
