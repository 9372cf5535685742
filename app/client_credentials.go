package app

import (
	"context"

	"gatehouse/domain"
)

// clientCredentials issues a token to a confidential client acting for
// itself (OAuth 2.1 §4.2): at most its registered scopes, no refresh token.
func (s *AuthServer) clientCredentials(ctx context.Context, client domain.Client, r TokenRequest) (TokenResponse, error) {
	if client.Public() {
		return TokenResponse{}, domain.ErrUnauthorizedClient("public clients may not use client_credentials")
	}
	scopes := client.Scopes
	if r.Scope != "" {
		asked := domain.ParseScopes(r.Scope)
		if !client.Scopes.Contains(asked) {
			return TokenResponse{}, domain.ErrInvalidScope("scope exceeds what the client is registered for")
		}
		scopes = asked
	}
	resource, err := s.resolveResource(r.Resource)
	if err != nil {
		return TokenResponse{}, err
	}
	return s.mint(ctx, client.ID, client.ID, resource, "", scopes, s.Clock())
}
