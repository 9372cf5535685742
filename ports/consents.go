package ports

import (
	"context"

	"gatehouse/domain"
)

// ConsentStore remembers what each user let each client have.
type ConsentStore interface {
	// GetConsent returns the consent. ErrNotFound if the user never
	// consented to the client.
	GetConsent(ctx context.Context, subject, clientID string) (domain.Consent, error)
	// SaveConsent creates or replaces the consent for (subject, client).
	SaveConsent(ctx context.Context, c domain.Consent) error
	// DeleteConsent forgets it. Idempotent.
	DeleteConsent(ctx context.Context, subject, clientID string) error
}
