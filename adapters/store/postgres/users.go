package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

type userRow struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	Username     string    `bun:"username,pk"`
	PasswordHash string    `bun:"password_hash"`
	Scopes       []string  `bun:"scopes,array"`
	Disabled     bool      `bun:"disabled"`
	CreatedAt    time.Time `bun:"created_at,nullzero"`
	UpdatedAt    time.Time `bun:"updated_at,nullzero"`
}

func toUserRow(u domain.User) *userRow {
	return &userRow{
		Username:     u.Username,
		PasswordHash: u.PasswordHash,
		Scopes:       u.Scopes,
		Disabled:     u.Disabled,
		CreatedAt:    u.CreatedAt,
		UpdatedAt:    u.UpdatedAt,
	}
}

func (r *userRow) domain() domain.User {
	return domain.User{
		Username:     r.Username,
		PasswordHash: r.PasswordHash,
		Scopes:       r.Scopes,
		Disabled:     r.Disabled,
		CreatedAt:    r.CreatedAt,
		UpdatedAt:    r.UpdatedAt,
	}
}

// CreateUser implements ports.UserDirectory.
func (s *Store) CreateUser(ctx context.Context, u domain.User) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewInsert().Model(toUserRow(u)).Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("create user %q", u.Username), err)
	}
	return nil
}

// GetUser implements ports.UserStore.
func (s *Store) GetUser(ctx context.Context, username string) (domain.User, error) {
	if !storable(username) {
		return domain.User{}, fmt.Errorf("postgres: get user %q: %w", username, ports.ErrNotFound)
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r userRow
	if err := s.db.NewSelect().Model(&r).Where("username = ?", username).Scan(ctx); err != nil {
		return domain.User{}, classify(ctx, fmt.Sprintf("get user %q", username), err)
	}
	return r.domain(), nil
}

// UpdateUser implements ports.UserDirectory: one UPDATE of every column but
// the key.
func (s *Store) UpdateUser(ctx context.Context, u domain.User) error {
	op := fmt.Sprintf("update user %q", u.Username)
	if !storable(u.Username) {
		return fmt.Errorf("postgres: %s: %w", op, ports.ErrNotFound)
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	res, err := s.db.NewUpdate().Model(toUserRow(u)).WherePK().
		Column("password_hash", "scopes", "disabled", "created_at", "updated_at").Exec(ctx)
	return affectedOne(ctx, op, res, err)
}

// ListUsers implements ports.UserDirectory. Usernames are compared
// byte-wise, as Go compares strings, whatever the database's collation.
func (s *Store) ListUsers(ctx context.Context) ([]domain.User, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []userRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr(`username COLLATE "C"`).Scan(ctx); err != nil {
		return nil, classify(ctx, "list users", err)
	}
	var out []domain.User
	for i := range rows {
		out = append(out, rows[i].domain())
	}
	return out, nil
}
