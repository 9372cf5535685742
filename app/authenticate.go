package app

import (
	"context"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Authenticator turns a bearer token into a Principal: the verifier checks
// signature, issuer, lifetime and audience (or finds the token in its cache
// of verified ones); then the revocation list, asked on every call whatever
// the verifier's cache answered, says whether the token or its grant was
// revoked. A cached verification therefore never outlives a revocation.
type Authenticator struct {
	Verifier    ports.TokenVerifier
	Revocations ports.RevocationList // nil: tokens cannot be revoked (external IdP)
	// RequiredScopes must all be held for any access at all (the M3 seed's
	// required_scopes); each tool's own scopes come on top.
	RequiredScopes domain.Scopes
	Clock          ports.Clock
	// Metrics and Tracer observe each check; nil observes nothing.
	Metrics ports.Metrics
	Tracer  ports.Tracer
}

// Authenticate returns the token's principal. Errors are domain invalid_token
// errors, or wrap ports.ErrUnavailable when the answer cannot be known: the
// caller must refuse the request with 503, never let it pass.
func (a Authenticator) Authenticate(ctx context.Context, token string) (domain.Principal, error) {
	if a.Metrics == nil && a.Tracer == nil {
		return a.authenticate(ctx, token)
	}
	start := time.Now()
	ctx, end := tracerOr(a.Tracer).Start(ctx, "authenticate")
	p, err := a.authenticate(ctx, token)
	end(err)
	metricsOr(a.Metrics).Authenticated(ctx, err, time.Since(start))
	return p, err
}

func (a Authenticator) authenticate(ctx context.Context, token string) (domain.Principal, error) {
	p, err := a.Verifier.VerifyAccessToken(ctx, token)
	if err != nil {
		return domain.Principal{}, err
	}
	if a.Revocations != nil {
		if err := a.checkRevoked(ctx, p); err != nil {
			return domain.Principal{}, err
		}
	}
	if missing := a.RequiredScopes.Minus(p.Scopes); len(missing) > 0 {
		return domain.Principal{}, domain.ErrInsufficientScope("Missing required scopes: "+missing.String(), a.RequiredScopes)
	}
	return p, nil
}

func (a Authenticator) checkRevoked(ctx context.Context, p domain.Principal) error {
	keys := make([]string, 1, 2)
	keys[0] = TokenRevocationKey(p.TokenID)
	if p.GrantID != "" {
		keys = append(keys, GrantRevocationKey(p.GrantID))
	}
	now := time.Now()
	if a.Clock != nil {
		now = a.Clock()
	}
	revoked, err := a.Revocations.AnyRevoked(ctx, now, keys...)
	if err != nil {
		return fmt.Errorf("check revocation: %w", err)
	}
	if revoked {
		return domain.ErrInvalidToken("token was revoked")
	}
	return nil
}
