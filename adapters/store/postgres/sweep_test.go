package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

// rowCount counts rows of table matching where.
func rowCount(t *testing.T, s *Store, table, where string, args ...any) int {
	t.Helper()
	var n int
	q := fmt.Sprintf("SELECT count(*) FROM %s WHERE %s", table, where)
	if err := s.db.QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// TestSweepDeletesOnlyLongExpiredRows: a sweep removes rows that expired
// more than the slack before its now, and old audit entries; it keeps rows
// inside the slack, live rows, a rotated refresh token until its own
// expiry (so reuse is still caught), and records that never expire.
func TestSweepDeletesOnlyLongExpiredRows(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{AuditRetention: 24 * time.Hour})
	now := time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC)
	expiries := map[string]time.Time{
		"gone":  now.Add(-sweepSlack - time.Minute),
		"slack": now.Add(-sweepSlack + time.Minute),
		"live":  now.Add(time.Hour),
	}
	for name, exp := range expiries {
		mustNil(t, s.CreateGrant(ctx, domain.Grant{ID: name, Subject: "alice", CreatedAt: now.Add(-48 * time.Hour), ExpiresAt: exp}))
		mustNil(t, s.SaveAuthCode(ctx, domain.AuthCode{Hash: name, GrantID: name, ExpiresAt: exp}))
		mustNil(t, s.SaveRefreshToken(ctx, domain.RefreshToken{Hash: name, GrantID: name, ExpiresAt: exp}))
		mustNil(t, s.Revoke(ctx, name, exp))
		mustNil(t, s.SaveAuthRequest(ctx, domain.AuthRequest{ID: name, ExpiresAt: exp}))
		mustNil(t, s.CreateSession(ctx, domain.Session{IDHash: name, Subject: "alice", ExpiresAt: exp}, 0, exp.Add(-time.Minute)))
	}
	// A window that ended long before now, and the current one.
	_, err := s.Allow(ctx, "k", 10, time.Minute, now.Add(-3*time.Hour))
	mustNil(t, err)
	_, err = s.Allow(ctx, "k", 10, time.Minute, now)
	mustNil(t, err)
	// A family rotated long ago whose old token is still unexpired.
	family := now.Add(-10 * time.Hour)
	mustNil(t, s.CreateGrant(ctx, domain.Grant{ID: "fam", Subject: "bob", CreatedAt: family, ExpiresAt: now.Add(24 * time.Hour)}))
	mustNil(t, s.SaveRefreshToken(ctx, domain.RefreshToken{Hash: "rA", GrantID: "fam", ExpiresAt: now.Add(24 * time.Hour)}))
	_, err = s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: domain.RefreshToken{Hash: "rB", GrantID: "fam", ExpiresAt: now.Add(24 * time.Hour)}}, family.Add(time.Minute))
	mustNil(t, err)
	// Records without an expiry by time, one with a key long past its own.
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
	mustNil(t, s.SaveConsent(ctx, domain.Consent{Subject: "alice", ClientID: "c1"}))
	mustNil(t, s.AddKey(ctx, domain.SigningKey{ID: "k1", CreatedAt: family, ExpiresAt: family.Add(time.Hour)}))
	// Audit entries past and within the retention.
	mustNil(t, s.RecordInvocation(ctx, domain.ToolInvocation{At: now.Add(-48 * time.Hour), Tool: "old"}))
	mustNil(t, s.RecordInvocation(ctx, domain.ToolInvocation{At: now.Add(-time.Hour), Tool: "recent"}))

	deleted, err := s.Sweep(ctx, now)
	mustNil(t, err)
	// One of each of six expiring kinds, one rate-limit window, one audit entry.
	if deleted != 6+1+1 {
		t.Errorf("Sweep deleted %d rows, want 8", deleted)
	}

	for _, tc := range []struct{ table, key string }{
		{"grants", "id"}, {"auth_codes", "hash"}, {"refresh_tokens", "hash"},
		{"revocations", "key"}, {"auth_requests", "id"}, {"sessions", "id_hash"},
	} {
		if n := rowCount(t, s, tc.table, tc.key+" = 'gone'"); n != 0 {
			t.Errorf("%s: the row expired before the slack survived the sweep", tc.table)
		}
		if n := rowCount(t, s, tc.table, tc.key+" IN ('slack', 'live')"); n != 2 {
			t.Errorf("%s: %d of the rows inside the slack or live remain, want 2", tc.table, n)
		}
	}
	if n := rowCount(t, s, "rate_limits", "true"); n != 1 {
		t.Errorf("rate_limits: %d windows remain, want only the current one", n)
	}
	if n := rowCount(t, s, "audit_log", "tool = 'recent'"); n != 1 || rowCount(t, s, "audit_log", "true") != 1 {
		t.Errorf("audit_log: want only the entry within the retention")
	}
	if rowCount(t, s, "clients", "true") != 1 || rowCount(t, s, "consents", "true") != 1 || rowCount(t, s, "signing_keys", "true") != 1 {
		t.Error("the sweep deleted clients, consents or keys, which never expire by time")
	}

	got, err := s.GetRefreshToken(ctx, "rA", now)
	mustNil(t, err)
	if got.RotatedAt.IsZero() {
		t.Fatal("rA should be the rotated token")
	}
	_, err = s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: domain.RefreshToken{Hash: "rX", GrantID: "fam"}}, now)
	if !errors.Is(err, ports.ErrRefreshReused) {
		t.Errorf("reuse of a rotated token after the sweep: got %v, want ErrRefreshReused", err)
	}
}

// TestSweepKeepsAuditWithoutRetention: a negative AuditRetention keeps
// audit entries forever.
func TestSweepKeepsAuditWithoutRetention(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{AuditRetention: -1})
	now := time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC)
	mustNil(t, s.RecordInvocation(ctx, domain.ToolInvocation{At: now.AddDate(-5, 0, 0), Tool: "ancient"}))
	_, err := s.Sweep(ctx, now)
	mustNil(t, err)
	if n := rowCount(t, s, "audit_log", "true"); n != 1 {
		t.Errorf("audit_log has %d entries after a sweep without retention, want 1", n)
	}
}

// deleteCounter counts the DELETE statements run on one table.
type deleteCounter struct {
	prefix string
	n      atomic.Int32
}

func (c *deleteCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (c *deleteCounter) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if strings.HasPrefix(e.Query, c.prefix) {
		c.n.Add(1)
	}
}

// TestSweepDeletesInBatches: 1200 expired rows with a batch of 500 go in
// three DELETEs (500, 500, 200), and all of them go.
func TestSweepDeletesInBatches(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{SweepBatch: 500})
	now := time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC)
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO auth_requests (id, expires_at) SELECT 'ar' || i, ? FROM generate_series(1, 1200) AS i`,
		now.Add(-2*sweepSlack))
	mustNil(t, err)

	deletes := &deleteCounter{prefix: `DELETE FROM "auth_requests"`}
	s.db = s.db.WithQueryHook(deletes)
	deleted, err := s.Sweep(ctx, now)
	mustNil(t, err)
	if deleted != 1200 {
		t.Errorf("Sweep deleted %d rows, want 1200", deleted)
	}
	if got := deletes.n.Load(); got != 3 {
		t.Errorf("Sweep ran %d DELETEs on auth_requests, want 3", got)
	}
	if n := rowCount(t, s, "auth_requests", "true"); n != 0 {
		t.Errorf("%d expired auth requests remain", n)
	}
}

// TestRunSweeperStopsWithContext: RunSweeper sweeps on its interval and
// returns when its context ends.
func TestRunSweeperStopsWithContext(t *testing.T) {
	s, _ := newMigratedStore(t, Options{SweepInterval: 10 * time.Millisecond})
	_, err := s.db.ExecContext(t.Context(),
		`INSERT INTO auth_requests (id, expires_at) VALUES ('old', ?)`, time.Now().Add(-2*sweepSlack))
	mustNil(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.RunSweeper(ctx)
	}()
	deadline := time.After(30 * time.Second)
	for rowCount(t, s, "auth_requests", "true") != 0 {
		select {
		case <-deadline:
			t.Fatal("RunSweeper did not delete the expired row")
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	<-done
}
