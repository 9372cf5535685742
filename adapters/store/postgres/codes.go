package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

type codeRow struct {
	bun.BaseModel `bun:"table:auth_codes,alias:ac"`

	Hash             string    `bun:"hash,pk"`
	GrantID          string    `bun:"grant_id"`
	ClientID         string    `bun:"client_id"`
	Subject          string    `bun:"subject"`
	RedirectURI      string    `bun:"redirect_uri"`
	RedirectURIGiven bool      `bun:"redirect_uri_given"`
	CodeChallenge    string    `bun:"code_challenge"`
	Scopes           []string  `bun:"scopes,array"`
	Resource         string    `bun:"resource"`
	ExpiresAt        time.Time `bun:"expires_at,nullzero"`
	UsedAt           time.Time `bun:"used_at,nullzero"`
}

func toCodeRow(c domain.AuthCode) *codeRow {
	return &codeRow{
		Hash:             c.Hash,
		GrantID:          c.GrantID,
		ClientID:         c.ClientID,
		Subject:          c.Subject,
		RedirectURI:      c.RedirectURI,
		RedirectURIGiven: c.RedirectURIGiven,
		CodeChallenge:    c.CodeChallenge,
		Scopes:           c.Scopes,
		Resource:         c.Resource,
		ExpiresAt:        c.ExpiresAt,
		UsedAt:           c.UsedAt,
	}
}

func (r *codeRow) domain() domain.AuthCode {
	return domain.AuthCode{
		Hash:             r.Hash,
		GrantID:          r.GrantID,
		ClientID:         r.ClientID,
		Subject:          r.Subject,
		RedirectURI:      r.RedirectURI,
		RedirectURIGiven: r.RedirectURIGiven,
		CodeChallenge:    r.CodeChallenge,
		Scopes:           r.Scopes,
		Resource:         r.Resource,
		ExpiresAt:        r.ExpiresAt,
		UsedAt:           r.UsedAt,
	}
}

// SaveAuthCode implements ports.GrantStore.
func (s *Store) SaveAuthCode(ctx context.Context, c domain.AuthCode) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toCodeRow(c)).Exec(ctx); err != nil {
		return classify(ctx, "save auth code", err)
	}
	return nil
}

// ConsumeAuthCode implements ports.GrantStore. The conditional UPDATE is
// the whole redemption: of concurrent callers, the first to lock the row
// marks it, and the others, re-checking the locked row, find it used. Only
// a caller that did not redeem pays a second statement, to tell a used code
// (ErrConflict, with the first use's instant) from an absent one; that read
// runs after the winner committed, so it sees UsedAt.
func (s *Store) ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (domain.AuthCode, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []codeRow
	err := s.db.NewRaw(`UPDATE auth_codes SET used_at = ?0
		WHERE hash = ?1 AND used_at IS NULL AND expires_at > ?0
		RETURNING *`, now, hash).Scan(ctx, &rows)
	if err != nil {
		return domain.AuthCode{}, classify(ctx, "consume auth code", err)
	}
	if len(rows) == 1 {
		return rows[0].domain(), nil
	}

	var r codeRow
	err = s.db.NewSelect().Model(&r).Where("hash = ? AND expires_at > ?", hash, now).Scan(ctx)
	if err != nil {
		return domain.AuthCode{}, classify(ctx, "consume auth code", err)
	}
	if r.UsedAt.IsZero() {
		// Saved after the UPDATE looked: it was absent when redeemed.
		return domain.AuthCode{}, fmt.Errorf("postgres: consume auth code: %w", ports.ErrNotFound)
	}
	return r.domain(), fmt.Errorf("postgres: consume auth code: used at %v: %w", r.UsedAt, ports.ErrConflict)
}
