package postgres

import (
	"context"
	"log/slog"
	"time"

	"github.com/uptrace/bun"
)

// sweepSlack keeps rows a while after they expire by the wall clock. Expiry
// is judged against the callers' now, which may lag the sweeper's clock
// (clock skew between replicas, a request that started a moment ago), and
// a row must not vanish while a caller can still find it live.
const sweepSlack = time.Hour

// sweepTargets names each table whose rows expire and the column that says
// when. Clients, consents and signing keys never expire by time. A rotated
// refresh token stays until its own expires_at, so reuse is still
// recognised; a revocation stays until its until.
var sweepTargets = []struct{ table, column string }{
	{"auth_codes", "expires_at"},
	{"auth_requests", "expires_at"},
	{"sessions", "expires_at"},
	{"refresh_tokens", "expires_at"},
	{"grants", "expires_at"},
	{"revocations", "until"},
	{"rate_limits", "expires_at"},
}

// RunSweeper deletes expired rows every SweepInterval until ctx ends.
// Replicas may each run one: their batches only take turns on row locks.
func (s *Store) RunSweeper(ctx context.Context) {
	tick := time.NewTicker(s.opts.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := s.Sweep(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.LogAttrs(ctx, slog.LevelWarn, "postgres: sweep failed", slog.Any("error", err))
		}
	}
}

// Sweep makes one pass over every expiring table, deleting rows that
// expired more than sweepSlack before now, and audit entries older than the
// retention, in DELETEs of at most SweepBatch rows so that no statement
// holds many locks or runs long. It returns how many rows went.
func (s *Store) Sweep(ctx context.Context, now time.Time) (deleted int, err error) {
	for _, t := range sweepTargets {
		n, err := s.sweepTable(ctx, t.table, t.column, now.Add(-sweepSlack))
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	if s.opts.AuditRetention > 0 {
		n, err := s.sweepTable(ctx, "audit_log", "at", now.Add(-s.opts.AuditRetention))
		deleted += n
		if err != nil {
			return deleted, err
		}
	}
	return deleted, nil
}

func (s *Store) sweepTable(ctx context.Context, table, column string, cutoff time.Time) (int, error) {
	total := 0
	defer func() {
		if total > 0 {
			s.log.LogAttrs(ctx, slog.LevelDebug, "postgres: swept expired rows",
				slog.String("table", table), slog.Int("rows", total))
		}
	}()
	for {
		n, err := s.deleteBatch(ctx, table, column, cutoff)
		total += n
		if err != nil || n < s.opts.SweepBatch {
			return total, err
		}
	}
}

// deleteBatch deletes up to SweepBatch rows expired at cutoff. Rows are
// picked by ctid so that the DELETE needs no other key; the expiry is tested
// again on the row deleted, so one extended meanwhile (a touched session)
// stays.
func (s *Store) deleteBatch(ctx context.Context, table, column string, cutoff time.Time) (int, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.ExecContext(ctx,
		`DELETE FROM ?0 WHERE ?1 < ?2 AND ctid = ANY (ARRAY(SELECT ctid FROM ?0 WHERE ?1 < ?2 LIMIT ?3))`,
		bun.Ident(table), bun.Ident(column), cutoff, s.opts.SweepBatch)
	if err != nil {
		return 0, classify(ctx, "sweep "+table, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, classify(ctx, "sweep "+table, err)
	}
	return int(n), nil
}
