package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

type authRequestRow struct {
	bun.BaseModel `bun:"table:auth_requests,alias:ar"`

	ID               string    `bun:"id,pk"`
	ClientID         string    `bun:"client_id"`
	RedirectURI      string    `bun:"redirect_uri"`
	RedirectURIGiven bool      `bun:"redirect_uri_given"`
	State            string    `bun:"state"`
	CodeChallenge    string    `bun:"code_challenge"`
	Scopes           []string  `bun:"scopes,array"`
	Resource         string    `bun:"resource"`
	BrowserHash      string    `bun:"browser_hash"`
	CSRFHash         string    `bun:"csrf_hash"`
	Subject          string    `bun:"subject"`
	ExpiresAt        time.Time `bun:"expires_at,nullzero"`
}

func toAuthRequestRow(r domain.AuthRequest) *authRequestRow {
	return &authRequestRow{
		ID:               r.ID,
		ClientID:         r.ClientID,
		RedirectURI:      r.RedirectURI,
		RedirectURIGiven: r.RedirectURIGiven,
		State:            r.State,
		CodeChallenge:    r.CodeChallenge,
		Scopes:           r.Scopes,
		Resource:         r.Resource,
		BrowserHash:      r.BrowserHash,
		CSRFHash:         r.CSRFHash,
		Subject:          r.Subject,
		ExpiresAt:        r.ExpiresAt,
	}
}

func (r *authRequestRow) domain() domain.AuthRequest {
	return domain.AuthRequest{
		ID:               r.ID,
		ClientID:         r.ClientID,
		RedirectURI:      r.RedirectURI,
		RedirectURIGiven: r.RedirectURIGiven,
		State:            r.State,
		CodeChallenge:    r.CodeChallenge,
		Scopes:           r.Scopes,
		Resource:         r.Resource,
		BrowserHash:      r.BrowserHash,
		CSRFHash:         r.CSRFHash,
		Subject:          r.Subject,
		ExpiresAt:        r.ExpiresAt,
	}
}

// SaveAuthRequest implements ports.AuthRequestStore.
func (s *Store) SaveAuthRequest(ctx context.Context, r domain.AuthRequest) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	q := s.db.NewInsert().Model(toAuthRequestRow(r)).On("CONFLICT (id) DO UPDATE")
	for _, col := range []string{"client_id", "redirect_uri", "redirect_uri_given", "state", "code_challenge",
		"scopes", "resource", "browser_hash", "csrf_hash", "subject", "expires_at"} {
		q = q.Set("? = EXCLUDED.?", bun.Ident(col), bun.Ident(col))
	}
	if _, err := q.Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("save auth request %q", r.ID), err)
	}
	return nil
}

// GetAuthRequest implements ports.AuthRequestStore.
func (s *Store) GetAuthRequest(ctx context.Context, id string, now time.Time) (domain.AuthRequest, error) {
	if !storable(id) {
		return domain.AuthRequest{}, fmt.Errorf("postgres: get auth request %q: %w", id, ports.ErrNotFound)
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r authRequestRow
	if err := s.db.NewSelect().Model(&r).Where("id = ? AND expires_at > ?", id, now).Scan(ctx); err != nil {
		return domain.AuthRequest{}, classify(ctx, fmt.Sprintf("get auth request %q", id), err)
	}
	return r.domain(), nil
}

// DeleteAuthRequest implements ports.AuthRequestStore.
func (s *Store) DeleteAuthRequest(ctx context.Context, id string) error {
	if !storable(id) {
		return nil
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	if _, err := s.db.NewDelete().Model((*authRequestRow)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return classify(ctx, fmt.Sprintf("delete auth request %q", id), err)
	}
	return nil
}
