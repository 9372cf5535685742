package redis

import (
	"context"
	"fmt"

	"gatehouse/domain"
)

// Each subject's consents live in one hash, client id → JSON; consents do
// not expire.

const nsConsents = "consents:"

// GetConsent implements ports.ConsentStore.
func (s *Store) GetConsent(ctx context.Context, subject, clientID string) (domain.Consent, error) {
	op := fmt.Sprintf("get consent of %q for %q", subject, clientID)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	d, err := s.client.HGet(ctx, s.key(nsConsents, subject), clientID).Result()
	if err != nil {
		return domain.Consent{}, s.fail(op, err)
	}
	var c domain.Consent
	if err := decodeInto(op, d, &c); err != nil {
		return domain.Consent{}, err
	}
	return c, nil
}

// SaveConsent implements ports.ConsentStore.
func (s *Store) SaveConsent(ctx context.Context, c domain.Consent) error {
	op := fmt.Sprintf("save consent of %q for %q", c.Subject, c.ClientID)
	d, err := marshal(c)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.HSet(ctx, s.key(nsConsents, c.Subject), c.ClientID, d).Err(); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// DeleteConsent implements ports.ConsentStore.
func (s *Store) DeleteConsent(ctx context.Context, subject, clientID string) error {
	op := fmt.Sprintf("delete consent of %q for %q", subject, clientID)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.HDel(ctx, s.key(nsConsents, subject), clientID).Err(); err != nil {
		return s.fail(op, err)
	}
	return nil
}
