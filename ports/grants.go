package ports

import (
	"context"
	"time"

	"gatehouse/domain"
)

// GrantStore keeps grants (token families) and the one-shot secrets that
// belong to them. Records past their ExpiresAt (judged against the now the
// caller passes, never the backend's own clock) behave as absent.
type GrantStore interface {
	// CreateGrant stores a new grant. ErrAlreadyExists if the id is taken.
	CreateGrant(ctx context.Context, g domain.Grant) error
	// GetGrant returns the grant, revoked or not. ErrNotFound if absent or
	// expired at now.
	GetGrant(ctx context.Context, id string, now time.Time) (domain.Grant, error)
	// ListGrants returns the subject's grants that are active at now, oldest
	// first.
	ListGrants(ctx context.Context, subject string, now time.Time) ([]domain.Grant, error)
	// RevokeGrant marks the grant revoked at now and makes every refresh
	// token of its family unusable. Idempotent: revoking a revoked grant is
	// no error. ErrNotFound if absent.
	RevokeGrant(ctx context.Context, id string, now time.Time) error

	// SaveAuthCode stores a new code. ErrAlreadyExists if the hash is taken.
	SaveAuthCode(ctx context.Context, c domain.AuthCode) error
	// ConsumeAuthCode redeems the code exactly once, atomically: the first
	// caller gets the code; every later caller, or any caller after
	// ExpiresAt, gets ErrNotFound, except that a code that was already used
	// (and is not yet expired) is returned with UsedAt set together with
	// ErrConflict, so the caller can revoke what the first use issued.
	ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (domain.AuthCode, error)

	// SaveRefreshToken stores the first refresh token of a family.
	// ErrAlreadyExists if the hash is taken.
	SaveRefreshToken(ctx context.Context, t domain.RefreshToken) error
	// RotateRefreshToken atomically marks the current token oldHash rotated
	// at now, records r.Next's hash and r.SealedNext on it as its successor,
	// and stores r.Next, returning the old record.
	// ErrNotFound if oldHash is unknown, expired, or its grant is inactive;
	// ErrAlreadyExists (and no change) if r.Next's hash is taken.
	// If oldHash was already rotated: when r.Grace > 0, now is within Grace
	// of its RotatedAt, its one grace use is unspent, the grant is active
	// and its successor is still current, the store spends the grace use
	// and returns the old record (Successor and SealedSuccessor set) with
	// ErrRefreshInGrace, storing nothing new; otherwise it revokes the grant
	// and returns ErrRefreshReused (RFC 9700 §4.14.2). Of N concurrent
	// rotations of one current token exactly one succeeds.
	RotateRefreshToken(ctx context.Context, oldHash string, r Rotation, now time.Time) (domain.RefreshToken, error)
	// GetRefreshToken returns the record for a hash, rotated or not.
	// ErrNotFound if absent or expired.
	GetRefreshToken(ctx context.Context, hash string, now time.Time) (domain.RefreshToken, error)
}

// Rotation is one refresh-token rotation request.
type Rotation struct {
	Next domain.RefreshToken
	// SealedNext is Next's value sealed with the old token's value; kept on
	// the old record for a retry within Grace.
	SealedNext []byte
	// Grace is how long after its rotation the old token may be presented
	// once more and be given the same successor (0: never, as RFC 9700
	// prefers).
	Grace time.Duration
}
