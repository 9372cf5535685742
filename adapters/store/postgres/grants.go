package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
)

type grantRow struct {
	bun.BaseModel `bun:"table:grants,alias:g"`

	ID        string    `bun:"id,pk"`
	ClientID  string    `bun:"client_id"`
	Subject   string    `bun:"subject"`
	Scopes    []string  `bun:"scopes,array"`
	Resource  string    `bun:"resource"`
	CreatedAt time.Time `bun:"created_at,nullzero"`
	ExpiresAt time.Time `bun:"expires_at,nullzero"`
	RevokedAt time.Time `bun:"revoked_at,nullzero"`
}

func toGrantRow(g domain.Grant) *grantRow {
	return &grantRow{
		ID:        g.ID,
		ClientID:  g.ClientID,
		Subject:   g.Subject,
		Scopes:    g.Scopes,
		Resource:  g.Resource,
		CreatedAt: g.CreatedAt,
		ExpiresAt: g.ExpiresAt,
		RevokedAt: g.RevokedAt,
	}
}

func (r *grantRow) domain() domain.Grant {
	return domain.Grant{
		ID:        r.ID,
		ClientID:  r.ClientID,
		Subject:   r.Subject,
		Scopes:    r.Scopes,
		Resource:  r.Resource,
		CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt,
		RevokedAt: r.RevokedAt,
	}
}

// CreateGrant implements ports.GrantStore.
func (s *Store) CreateGrant(ctx context.Context, g domain.Grant) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toGrantRow(g)).Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("create grant %q", g.ID), err)
	}
	return nil
}

// GetGrant implements ports.GrantStore.
func (s *Store) GetGrant(ctx context.Context, id string, now time.Time) (domain.Grant, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r grantRow
	err := s.db.NewSelect().Model(&r).Where("id = ? AND expires_at > ?", id, now).Scan(ctx)
	if err != nil {
		return domain.Grant{}, classify(ctx, fmt.Sprintf("get grant %q", id), err)
	}
	return r.domain(), nil
}

// ListGrants implements ports.GrantStore.
func (s *Store) ListGrants(ctx context.Context, subject string, now time.Time) ([]domain.Grant, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []grantRow
	err := s.db.NewSelect().Model(&rows).
		Where("subject = ? AND revoked_at IS NULL AND expires_at > ?", subject, now).
		OrderExpr(`created_at ASC NULLS FIRST, id COLLATE "C"`).
		Scan(ctx)
	if err != nil {
		return nil, classify(ctx, fmt.Sprintf("list grants of %q", subject), err)
	}
	var out []domain.Grant
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}

// RevokeGrant implements ports.GrantStore. The family's refresh tokens need
// no change: RotateRefreshToken refuses any token whose grant is revoked.
// COALESCE keeps the first revocation's instant.
func (s *Store) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewUpdate().Model((*grantRow)(nil)).
		Set("revoked_at = COALESCE(revoked_at, ?)", now).
		Where("id = ? AND expires_at > ?", id, now).
		Exec(ctx)
	return affectedOne(ctx, fmt.Sprintf("revoke grant %q", id), res, err)
}
