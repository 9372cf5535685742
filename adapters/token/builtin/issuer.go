package builtin

import (
	"context"
	"errors"
	"fmt"

	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
	"gatehouse/ports"
)

// typAccessToken is the JOSE typ of RFC 9068 access tokens; it stops an ID
// token or any other JWT signed by the same key from passing as one.
const typAccessToken = "at+jwt"

var _ ports.TokenIssuer = (*Issuer)(nil)

// Issuer signs RFC 9068 access tokens with the manager's current key.
type Issuer struct {
	m *KeyManager
}

// NewIssuer returns an issuer signing with m's current key.
func NewIssuer(m *KeyManager) *Issuer { return &Issuer{m: m} }

// errNoSigningKey means EnsureKey was not called or failed.
var errNoSigningKey = errors.New("builtin: no signing key loaded")

// IssueAccessToken signs c. An empty Issuer defaults to the configured one,
// a zero IssuedAt to now. Subject, ClientID, TokenID and Audience are
// required and ExpiresAt must follow IssuedAt.
func (i *Issuer) IssueAccessToken(_ context.Context, c domain.AccessTokenClaims) (string, error) {
	now := i.m.cfg.Clock()
	k := i.m.signingKey(now)
	if k == nil {
		return "", errNoSigningKey
	}
	if c.Issuer == "" {
		c.Issuer = i.m.cfg.Issuer
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = now
	}
	payload, err := encodeClaims(c)
	if err != nil {
		return "", fmt.Errorf("builtin: issue access token: %w", err)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.TypeKey, typAccessToken); err != nil {
		return "", fmt.Errorf("builtin: set typ: %w", err)
	}
	if err := hdr.Set(jws.KeyIDKey, k.rec.ID); err != nil {
		return "", fmt.Errorf("builtin: set kid: %w", err)
	}
	tok, err := jws.Sign(payload, jws.WithKey(k.alg, k.private, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("builtin: sign access token with %s: %w", k.rec.ID, err)
	}
	return string(tok), nil
}
