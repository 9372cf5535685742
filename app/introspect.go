package app

import (
	"context"
	"errors"
	"slices"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Introspection is the RFC 7662 §2.2 response. An inactive token carries
// nothing but active=false.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Username  string   `json:"username,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	Exp       int64    `json:"exp,omitempty"`
	Iat       int64    `json:"iat,omitempty"`
	Sub       string   `json:"sub,omitempty"`
	Aud       []string `json:"aud,omitempty"`
	Iss       string   `json:"iss,omitempty"`
	Jti       string   `json:"jti,omitempty"`
}

// Introspect implements RFC 7662 for confidential clients (resource servers).
// Anything invalid, expired, revoked or unknown is {"active": false}.
func (s *AuthServer) Introspect(ctx context.Context, cc ClientCredentials, token, hint string) (Introspection, error) {
	client, err := s.AuthenticateClient(ctx, cc)
	if err != nil {
		return Introspection{}, err
	}
	if client.Public() {
		return Introspection{}, domain.ErrInvalidClient("introspection needs a confidential client")
	}
	if token == "" {
		return Introspection{}, domain.ErrInvalidRequest("token is required")
	}
	now := s.Clock()
	mayIntrospect := func(tokenClient string) bool {
		return tokenClient == client.ID || slices.Contains(s.cfg.IntrospectionClients, client.ID)
	}
	auth := Authenticator{Verifier: s.Verifier, Revocations: s.Revocations, Clock: s.Clock}
	p, err := auth.Authenticate(ctx, token)
	switch {
	case err == nil && (!now.Before(p.ExpiresAt) || !mayIntrospect(p.ClientID)):
		// The verifier tolerates clock skew; introspection answers for this
		// server's own clock, where the token has expired.
		return Introspection{Active: false}, nil
	case err == nil:
		return Introspection{
			Active: true, Scope: p.Scopes.String(), ClientID: p.ClientID, Username: p.Subject,
			TokenType: "Bearer", Exp: p.ExpiresAt.Unix(), Iat: p.IssuedAt.Unix(), Sub: p.Subject,
			Aud: p.Audience, Iss: p.Issuer, Jti: p.TokenID,
		}, nil
	case errors.Is(err, ports.ErrUnavailable):
		return Introspection{}, storeErr(err, nil)
	}
	rt, err := s.Grants.GetRefreshToken(ctx, domain.HashSecret(token), now)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return Introspection{Active: false}, nil
	case err != nil:
		return Introspection{}, storeErr(err, nil)
	case !rt.RotatedAt.IsZero() || !mayIntrospect(rt.ClientID):
		return Introspection{Active: false}, nil
	}
	g, err := s.Grants.GetGrant(ctx, rt.GrantID, now)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return Introspection{Active: false}, nil
	case err != nil:
		return Introspection{}, storeErr(err, nil)
	case !g.Active(now):
		return Introspection{Active: false}, nil
	}
	return Introspection{
		Active: true, Scope: rt.Scopes.String(), ClientID: rt.ClientID, Username: g.Subject,
		TokenType: "refresh_token", Exp: rt.ExpiresAt.Unix(), Iat: g.CreatedAt.Unix(), Sub: g.Subject,
		Iss: s.cfg.Issuer,
	}, nil
}
