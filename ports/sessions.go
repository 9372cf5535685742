package ports

import (
	"context"
	"time"

	"gatehouse/domain"
)

// SessionStore keeps server-side sessions by the hash of their id.
type SessionStore interface {
	// CreateSession stores s. If maxPerSubject > 0 and the subject already
	// has that many live sessions of s.Kind at now, nothing is stored and
	// ErrConflict is returned; the check and the write are atomic.
	// ErrAlreadyExists if the hash is taken.
	CreateSession(ctx context.Context, s domain.Session, maxPerSubject int, now time.Time) error
	// GetSession returns the session. ErrNotFound if absent or expired at now.
	GetSession(ctx context.Context, idHash string, now time.Time) (domain.Session, error)
	// TouchSession stores the session's new LastUsed and ExpiresAt (sliding
	// expiry). ErrNotFound if absent or expired at now.
	TouchSession(ctx context.Context, s domain.Session, now time.Time) error
	// DeleteSession removes it. ErrNotFound if absent.
	DeleteSession(ctx context.Context, idHash string) error
	// ListSessions returns the subject's live sessions of a kind, oldest first.
	ListSessions(ctx context.Context, subject, kind string, now time.Time) ([]domain.Session, error)
}
