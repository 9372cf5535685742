package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
)

type keyRow struct {
	bun.BaseModel `bun:"table:signing_keys,alias:k"`

	ID         string    `bun:"id,pk"`
	Algorithm  string    `bun:"algorithm"`
	PrivateJWK []byte    `bun:"private_jwk"`
	CreatedAt  time.Time `bun:"created_at,nullzero"`
	RetiredAt  time.Time `bun:"retired_at,nullzero"`
	ExpiresAt  time.Time `bun:"expires_at,nullzero"`
}

func toKeyRow(k domain.SigningKey) *keyRow {
	return &keyRow{
		ID:         k.ID,
		Algorithm:  k.Algorithm,
		PrivateJWK: k.PrivateJWK,
		CreatedAt:  k.CreatedAt,
		RetiredAt:  k.RetiredAt,
		ExpiresAt:  k.ExpiresAt,
	}
}

func (r *keyRow) domain() domain.SigningKey {
	return domain.SigningKey{
		ID:         r.ID,
		Algorithm:  r.Algorithm,
		PrivateJWK: r.PrivateJWK,
		CreatedAt:  r.CreatedAt,
		RetiredAt:  r.RetiredAt,
		ExpiresAt:  r.ExpiresAt,
	}
}

// ListKeys implements ports.KeyStore.
func (s *Store) ListKeys(ctx context.Context) ([]domain.SigningKey, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []keyRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(`created_at DESC NULLS LAST, id COLLATE "C"`).Scan(ctx); err != nil {
		return nil, classify(ctx, "list keys", err)
	}
	var out []domain.SigningKey
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}

// AddKey implements ports.KeyStore.
func (s *Store) AddKey(ctx context.Context, k domain.SigningKey) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toKeyRow(k)).Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("add key %q", k.ID), err)
	}
	return nil
}

// UpdateKey implements ports.KeyStore.
func (s *Store) UpdateKey(ctx context.Context, k domain.SigningKey) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewUpdate().Model(toKeyRow(k)).WherePK().Exec(ctx)
	return affectedOne(ctx, fmt.Sprintf("update key %q", k.ID), res, err)
}

// DeleteKey implements ports.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewDelete().Model((*keyRow)(nil)).Where("id = ?", id).Exec(ctx)
	return affectedOne(ctx, fmt.Sprintf("delete key %q", id), res, err)
}
