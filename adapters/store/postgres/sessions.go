package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:ss"`

	IDHash    string    `bun:"id_hash,pk"`
	Kind      string    `bun:"kind"`
	Subject   string    `bun:"subject"`
	ClientID  string    `bun:"client_id"`
	CreatedAt time.Time `bun:"created_at,nullzero"`
	LastUsed  time.Time `bun:"last_used,nullzero"`
	ExpiresAt time.Time `bun:"expires_at,nullzero"`
}

func (r *sessionRow) domain() domain.Session {
	return domain.Session{
		IDHash:    r.IDHash,
		Kind:      r.Kind,
		Subject:   r.Subject,
		ClientID:  r.ClientID,
		CreatedAt: r.CreatedAt,
		LastUsed:  r.LastUsed,
		ExpiresAt: r.ExpiresAt,
	}
}

// createSessionSQL checks and inserts in one statement. An expired session
// behaves as absent, so its hash may be taken again: the conflict clause
// replaces only an expired row. Arguments: ?0…?6 the session's columns, ?7
// now, ?8 maxPerSubject.
const createSessionSQL = `
WITH cur AS (
	SELECT EXISTS (SELECT 1 FROM sessions WHERE id_hash = ?0 AND expires_at > ?7) AS taken,
		(SELECT count(*) FROM sessions WHERE subject = ?2 AND kind = ?1 AND expires_at > ?7) AS live
), ins AS (
	INSERT INTO sessions AS s (id_hash, kind, subject, client_id, created_at, last_used, expires_at)
	SELECT ?0, ?1, ?2, ?3, ?4::timestamptz, ?5::timestamptz, ?6::timestamptz FROM cur
	WHERE NOT cur.taken AND (?8 <= 0 OR cur.live < ?8)
	ON CONFLICT (id_hash) DO UPDATE SET
		kind = EXCLUDED.kind, subject = EXCLUDED.subject, client_id = EXCLUDED.client_id,
		created_at = EXCLUDED.created_at, last_used = EXCLUDED.last_used, expires_at = EXCLUDED.expires_at
	WHERE s.expires_at IS NULL OR s.expires_at <= ?7
	RETURNING 1
)
SELECT cur.taken, cur.live, EXISTS (SELECT 1 FROM ins) AS inserted FROM cur`

// CreateSession implements ports.SessionStore. Without a limit it is one
// statement. With one, a transaction-scoped advisory lock on (subject,
// kind) makes concurrent creations take turns, and the count runs after the
// lock is held, so it sees every session the previous holders stored.
func (s *Store) CreateSession(ctx context.Context, ss domain.Session, maxPerSubject int, now time.Time) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var got struct {
		Taken    bool `bun:"taken"`
		Live     int  `bun:"live"`
		Inserted bool `bun:"inserted"`
	}
	create := func(ctx context.Context, db bun.IDB) error {
		return db.NewRaw(createSessionSQL,
			ss.IDHash, ss.Kind, ss.Subject, ss.ClientID, ts(ss.CreatedAt), ts(ss.LastUsed), ts(ss.ExpiresAt),
			now, maxPerSubject,
		).Scan(ctx, &got)
	}
	var err error
	if maxPerSubject <= 0 {
		err = create(ctx, s.db)
	} else {
		err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`,
				ss.Kind+"\x1f"+ss.Subject); err != nil {
				return err
			}
			return create(ctx, tx)
		})
	}
	switch {
	case err != nil:
		return classify(ctx, "create session", err)
	case got.Inserted:
		return nil
	case got.Taken:
		return fmt.Errorf("postgres: create session: %w", ports.ErrAlreadyExists)
	case maxPerSubject > 0 && got.Live >= maxPerSubject:
		return fmt.Errorf("postgres: create session: %q has %d live %s sessions: %w", ss.Subject, got.Live, ss.Kind, ports.ErrConflict)
	default:
		// A concurrent creation took the hash after the check.
		return fmt.Errorf("postgres: create session: %w", ports.ErrAlreadyExists)
	}
}

// GetSession implements ports.SessionStore.
func (s *Store) GetSession(ctx context.Context, idHash string, now time.Time) (domain.Session, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r sessionRow
	if err := s.db.NewSelect().Model(&r).Where("id_hash = ? AND expires_at > ?", idHash, now).Scan(ctx); err != nil {
		return domain.Session{}, classify(ctx, "get session", err)
	}
	return r.domain(), nil
}

// TouchSession implements ports.SessionStore: only LastUsed and ExpiresAt
// are stored.
func (s *Store) TouchSession(ctx context.Context, ss domain.Session, now time.Time) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("last_used = ?", ts(ss.LastUsed)).
		Set("expires_at = ?", ts(ss.ExpiresAt)).
		Where("id_hash = ? AND expires_at > ?", ss.IDHash, now).
		Exec(ctx)
	return affectedOne(ctx, "touch session", res, err)
}

// DeleteSession implements ports.SessionStore. A session that expired but
// was not swept yet is still deleted without error, as in the memory store.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewDelete().Model((*sessionRow)(nil)).Where("id_hash = ?", idHash).Exec(ctx)
	return affectedOne(ctx, "delete session", res, err)
}

// ListSessions implements ports.SessionStore.
func (s *Store) ListSessions(ctx context.Context, subject, kind string, now time.Time) ([]domain.Session, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []sessionRow
	err := s.db.NewSelect().Model(&rows).
		Where("subject = ? AND kind = ? AND expires_at > ?", subject, kind, now).
		OrderExpr(`created_at ASC NULLS FIRST, id_hash COLLATE "C"`).
		Scan(ctx)
	if err != nil {
		return nil, classify(ctx, "list sessions", err)
	}
	var out []domain.Session
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}
