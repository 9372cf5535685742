package app

import (
	"context"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Authenticator turns a bearer token into a Principal: the verifier checks
// signature, issuer, lifetime and audience; the revocation list, asked on
// every call and before any cache could answer, says whether the token or
// its grant was revoked.
type Authenticator struct {
	Verifier    ports.TokenVerifier
	Revocations ports.RevocationList // nil: tokens cannot be revoked (external IdP)
	Clock       ports.Clock
}

// Authenticate returns the token's principal. Errors are domain invalid_token
// errors, or wrap ports.ErrUnavailable when the answer cannot be known: the
// caller must refuse the request with 503, never let it pass.
func (a Authenticator) Authenticate(ctx context.Context, token string) (domain.Principal, error) {
	p, err := a.Verifier.VerifyAccessToken(ctx, token)
	if err != nil {
		return domain.Principal{}, err
	}
	if a.Revocations == nil {
		return p, nil
	}
	keys := []string{TokenRevocationKey(p.TokenID)}
	if p.GrantID != "" {
		keys = append(keys, GrantRevocationKey(p.GrantID))
	}
	now := time.Now()
	if a.Clock != nil {
		now = a.Clock()
	}
	revoked, err := a.Revocations.AnyRevoked(ctx, now, keys...)
	if err != nil {
		return domain.Principal{}, fmt.Errorf("check revocation: %w", err)
	}
	if revoked {
		return domain.Principal{}, domain.ErrInvalidToken("token was revoked")
	}
	return p, nil
}
