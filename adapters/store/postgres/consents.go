package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
)

type consentRow struct {
	bun.BaseModel `bun:"table:consents,alias:cs"`

	Subject   string    `bun:"subject,pk"`
	ClientID  string    `bun:"client_id,pk"`
	Scopes    []string  `bun:"scopes,array"`
	GrantedAt time.Time `bun:"granted_at,nullzero"`
}

// GetConsent implements ports.ConsentStore.
func (s *Store) GetConsent(ctx context.Context, subject, clientID string) (domain.Consent, error) {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var r consentRow
	if err := s.db.NewSelect().Model(&r).Where("subject = ? AND client_id = ?", subject, clientID).Scan(ctx); err != nil {
		return domain.Consent{}, classify(ctx, fmt.Sprintf("get consent of %q for %q", subject, clientID), err)
	}
	return domain.Consent{Subject: r.Subject, ClientID: r.ClientID, Scopes: r.Scopes, GrantedAt: r.GrantedAt}, nil
}

// SaveConsent implements ports.ConsentStore.
func (s *Store) SaveConsent(ctx context.Context, c domain.Consent) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	r := &consentRow{Subject: c.Subject, ClientID: c.ClientID, Scopes: c.Scopes, GrantedAt: c.GrantedAt}
	_, err := s.db.NewInsert().Model(r).
		On("CONFLICT (subject, client_id) DO UPDATE").
		Set("scopes = EXCLUDED.scopes").
		Set("granted_at = EXCLUDED.granted_at").
		Exec(ctx)
	if err != nil {
		return classify(ctx, fmt.Sprintf("save consent of %q for %q", c.Subject, c.ClientID), err)
	}
	return nil
}

// DeleteConsent implements ports.ConsentStore.
func (s *Store) DeleteConsent(ctx context.Context, subject, clientID string) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	_, err := s.db.NewDelete().Model((*consentRow)(nil)).Where("subject = ? AND client_id = ?", subject, clientID).Exec(ctx)
	if err != nil {
		return classify(ctx, fmt.Sprintf("delete consent of %q for %q", subject, clientID), err)
	}
	return nil
}
