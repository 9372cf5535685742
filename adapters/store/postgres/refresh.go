package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"gatehouse/domain"
	"gatehouse/ports"
)

type refreshRow struct {
	bun.BaseModel `bun:"table:refresh_tokens,alias:rt"`

	Hash            string    `bun:"hash,pk"`
	GrantID         string    `bun:"grant_id"`
	ClientID        string    `bun:"client_id"`
	Scopes          []string  `bun:"scopes,array"`
	ExpiresAt       time.Time `bun:"expires_at,nullzero"`
	RotatedAt       time.Time `bun:"rotated_at,nullzero"`
	Successor       string    `bun:"successor"`
	SealedSuccessor []byte    `bun:"sealed_successor"`
	GraceUsedAt     time.Time `bun:"grace_used_at,nullzero"`
}

func toRefreshRow(t domain.RefreshToken) *refreshRow {
	return &refreshRow{
		Hash:            t.Hash,
		GrantID:         t.GrantID,
		ClientID:        t.ClientID,
		Scopes:          t.Scopes,
		ExpiresAt:       t.ExpiresAt,
		RotatedAt:       t.RotatedAt,
		Successor:       t.Successor,
		SealedSuccessor: t.SealedSuccessor,
		GraceUsedAt:     t.GraceUsedAt,
	}
}

func (r *refreshRow) domain() domain.RefreshToken {
	return domain.RefreshToken{
		Hash:            r.Hash,
		GrantID:         r.GrantID,
		ClientID:        r.ClientID,
		Scopes:          r.Scopes,
		ExpiresAt:       r.ExpiresAt,
		RotatedAt:       r.RotatedAt,
		Successor:       r.Successor,
		SealedSuccessor: r.SealedSuccessor,
		GraceUsedAt:     r.GraceUsedAt,
	}
}

// SaveRefreshToken implements ports.GrantStore.
func (s *Store) SaveRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toRefreshRow(t)).Exec(ctx); err != nil {
		return classify(ctx, "save refresh token", err)
	}
	return nil
}

// GetRefreshToken implements ports.GrantStore.
func (s *Store) GetRefreshToken(ctx context.Context, hash string, now time.Time) (domain.RefreshToken, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r refreshRow
	if err := s.db.NewSelect().Model(&r).Where("hash = ? AND expires_at > ?", hash, now).Scan(ctx); err != nil {
		return domain.RefreshToken{}, classify(ctx, "get refresh token", err)
	}
	return r.domain(), nil
}

// rotateSQL rotates a current token of an active grant and stores its
// successor in one statement. The UPDATE's row lock decides concurrent
// rotations: the others re-check the locked row, find it rotated and change
// nothing. A successor hash that is taken fails the whole statement with a
// unique violation, so nothing changes. Arguments: ?0 now, ?1 old hash, ?2
// next hash, ?3 sealed next, ?4… the next token's other fields.
const rotateSQL = `
WITH old AS (
	UPDATE refresh_tokens AS r
	SET rotated_at = ?0, successor = ?2, sealed_successor = ?3
	FROM grants AS g
	WHERE r.hash = ?1 AND r.rotated_at IS NULL AND r.expires_at > ?0
		AND g.id = r.grant_id AND g.revoked_at IS NULL AND g.expires_at > ?0
	RETURNING r.*
), next AS (
	INSERT INTO refresh_tokens
		(hash, grant_id, client_id, scopes, expires_at, rotated_at, successor, sealed_successor, grace_used_at)
	SELECT ?2, ?4, ?5, ?6::text[], ?7::timestamptz, ?8::timestamptz, ?9, ?10::bytea, ?11::timestamptz FROM old
)
SELECT * FROM old`

// rotationStateSQL reads what decides a rotation that the fast path could
// not make, and locks the old token so that concurrent deciders of the same
// token take turns: its grace use is spent at most once.
const rotationStateSQL = `
SELECT r.*,
	g.id IS NOT NULL AS grant_found, g.revoked_at AS grant_revoked_at, g.expires_at AS grant_expires_at,
	n.hash IS NOT NULL AS next_found, n.rotated_at AS next_rotated_at, n.expires_at AS next_expires_at
FROM refresh_tokens AS r
LEFT JOIN grants AS g ON g.id = r.grant_id
LEFT JOIN refresh_tokens AS n ON n.hash = r.successor AND r.successor <> ''
WHERE r.hash = ?
FOR UPDATE OF r`

// rotationState is the old token with its grant and its successor.
type rotationState struct {
	refreshRow

	GrantFound     bool      `bun:"grant_found"`
	GrantRevokedAt time.Time `bun:"grant_revoked_at,nullzero"`
	GrantExpiresAt time.Time `bun:"grant_expires_at,nullzero"`
	NextFound      bool      `bun:"next_found"`
	NextRotatedAt  time.Time `bun:"next_rotated_at,nullzero"`
	NextExpiresAt  time.Time `bun:"next_expires_at,nullzero"`
}

func (st *rotationState) grantActive(now time.Time) bool {
	return st.GrantFound && domain.Grant{RevokedAt: st.GrantRevokedAt, ExpiresAt: st.GrantExpiresAt}.Active(now)
}

// graceAllows reports whether a rotated token may be presented once more:
// within the grace period, its one retry unspent, its grant active and its
// successor still the family's current token.
func (st *rotationState) graceAllows(grace time.Duration, now time.Time) bool {
	if grace <= 0 || !st.GraceUsedAt.IsZero() || !now.Before(st.RotatedAt.Add(grace)) {
		return false
	}
	return st.grantActive(now) && st.NextFound && st.NextRotatedAt.IsZero() && now.Before(st.NextExpiresAt)
}

// RotateRefreshToken implements ports.GrantStore. The common case, a
// current token of an active grant, is one statement. Anything else is
// decided in a transaction holding the old token's row lock, in the order
// the memory store uses: unknown or expired first; then reuse, judged
// before the grant's state, so every late presentation of a rotated token
// reports ErrRefreshReused, also after an earlier one revoked the grant;
// then an inactive grant.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, r ports.Rotation, now time.Time) (domain.RefreshToken, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	old, ok, err := s.rotate(ctx, s.db, oldHash, r, now)
	if err != nil {
		return domain.RefreshToken{}, classify(ctx, "rotate refresh token", err)
	}
	if ok {
		return old, nil
	}

	var res rotationResult
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		res, err = s.decideRotation(ctx, tx, oldHash, r, now)
		return err
	})
	if err != nil {
		return domain.RefreshToken{}, classify(ctx, "rotate refresh token", err)
	}
	return res.old, res.err
}

// rotationResult carries a decision out of the transaction: the sentinels of
// a grace retry and of reuse come with writes that must commit.
type rotationResult struct {
	old domain.RefreshToken
	err error
}

func (s *Store) decideRotation(ctx context.Context, tx bun.Tx, oldHash string, r ports.Rotation, now time.Time) (rotationResult, error) {
	var st rotationState
	err := tx.NewRaw(rotationStateSQL, oldHash).Scan(ctx, &st)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !now.Before(st.ExpiresAt)) {
		return rotationResult{err: fmt.Errorf("postgres: rotate refresh token: %w", ports.ErrNotFound)}, nil
	}
	if err != nil {
		return rotationResult{}, err
	}

	if !st.RotatedAt.IsZero() {
		if st.graceAllows(r.Grace, now) {
			if _, err := tx.NewRaw(`UPDATE refresh_tokens SET grace_used_at = ? WHERE hash = ?`, now, oldHash).Exec(ctx); err != nil {
				return rotationResult{}, err
			}
			st.GraceUsedAt = now
			return rotationResult{
				old: st.domain(),
				err: fmt.Errorf("postgres: rotate refresh token of grant %q: %w", st.GrantID, ports.ErrRefreshInGrace),
			}, nil
		}
		_, err := tx.NewRaw(`UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, now, st.GrantID).Exec(ctx)
		if err != nil {
			return rotationResult{}, err
		}
		return rotationResult{err: fmt.Errorf("postgres: rotate refresh token of grant %q: %w", st.GrantID, ports.ErrRefreshReused)}, nil
	}

	if !st.grantActive(now) {
		return rotationResult{err: fmt.Errorf("postgres: rotate refresh token: grant %q inactive: %w", st.GrantID, ports.ErrNotFound)}, nil
	}
	// The token was saved, or the grant changed, after the fast path looked.
	old, ok, err := s.rotate(ctx, tx, oldHash, r, now)
	if err != nil {
		return rotationResult{}, err
	}
	if !ok {
		return rotationResult{err: fmt.Errorf("postgres: rotate refresh token: %w", ports.ErrNotFound)}, nil
	}
	return rotationResult{old: old}, nil
}

// rotate runs rotateSQL; ok is false when the old token was not a current
// token of an active grant.
func (s *Store) rotate(ctx context.Context, db bun.IDB, oldHash string, r ports.Rotation, now time.Time) (domain.RefreshToken, bool, error) {
	n := r.Next
	var rows []refreshRow
	err := db.NewRaw(rotateSQL,
		now, oldHash, n.Hash, r.SealedNext,
		n.GrantID, n.ClientID, pgdialect.Array([]string(n.Scopes)), ts(n.ExpiresAt), ts(n.RotatedAt),
		n.Successor, n.SealedSuccessor, ts(n.GraceUsedAt),
	).Scan(ctx, &rows)
	if err != nil || len(rows) == 0 {
		return domain.RefreshToken{}, false, err
	}
	return rows[0].domain(), true, nil
}
