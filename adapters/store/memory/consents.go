package memory

import (
	"context"
	"fmt"
	"slices"

	"gatehouse/domain"
	"gatehouse/ports"
)

type consentKey struct{ subject, clientID string }

// GetConsent implements ports.ConsentStore.
func (s *Store) GetConsent(_ context.Context, subject, clientID string) (domain.Consent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.consents[consentKey{subject, clientID}]
	if !ok {
		return domain.Consent{}, fmt.Errorf("memory: get consent of %q for %q: %w", subject, clientID, ports.ErrNotFound)
	}
	return cloneConsent(c), nil
}

// SaveConsent implements ports.ConsentStore.
func (s *Store) SaveConsent(_ context.Context, c domain.Consent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consents[consentKey{c.Subject, c.ClientID}] = cloneConsent(c)
	return nil
}

// DeleteConsent implements ports.ConsentStore.
func (s *Store) DeleteConsent(_ context.Context, subject, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.consents, consentKey{subject, clientID})
	return nil
}

func cloneConsent(c domain.Consent) domain.Consent {
	c.Scopes = slices.Clone(c.Scopes)
	return c
}
