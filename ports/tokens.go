package ports

import (
	"context"

	"gatehouse/domain"
)

// TokenIssuer signs access tokens.
type TokenIssuer interface {
	// IssueAccessToken returns the compact JWT for the claims.
	IssueAccessToken(ctx context.Context, c domain.AccessTokenClaims) (string, error)
}

// TokenVerifier checks a bearer token's signature, issuer, lifetime and
// audience and returns who it speaks for. A token that fails any check gives
// an error matching domain.ErrInvalidToken(""); a backend that cannot be
// reached gives an error wrapping ErrUnavailable.
type TokenVerifier interface {
	VerifyAccessToken(ctx context.Context, token string) (domain.Principal, error)
}
