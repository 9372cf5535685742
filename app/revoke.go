package app

import (
	"context"
	"errors"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Revoke implements RFC 7009. A refresh token revokes its whole grant; an
// access token is denied until it expires. Unknown, expired or foreign
// tokens are answered like successful revocations (§2.2), so the endpoint
// tells a caller nothing about tokens it does not own.
func (s *AuthServer) Revoke(ctx context.Context, cc ClientCredentials, token, hint string) error {
	client, err := s.AuthenticateClient(ctx, cc)
	if err != nil {
		return err
	}
	if token == "" {
		return domain.ErrInvalidRequest("token is required")
	}
	now := s.Clock()
	if hint != "access_token" {
		rt, err := s.Grants.GetRefreshToken(ctx, domain.HashSecret(token), now)
		switch {
		case err == nil:
			if rt.ClientID == client.ID {
				if err := s.revokeGrantFamily(ctx, rt.GrantID, now); err != nil {
					return storeErr(err, nil)
				}
				s.Logger.InfoContext(ctx, "grant revoked", "client_id", client.ID, "grant_id", rt.GrantID)
			}
			return nil
		case !errors.Is(err, ports.ErrNotFound):
			return storeErr(err, nil)
		}
	}
	p, err := s.Verifier.VerifyAccessToken(ctx, token)
	switch {
	case errors.Is(err, ports.ErrUnavailable):
		return storeErr(err, nil)
	case err != nil || p.ClientID != client.ID:
		return nil
	}
	if err := s.Revocations.Revoke(ctx, TokenRevocationKey(p.TokenID), p.ExpiresAt); err != nil {
		return storeErr(err, nil)
	}
	s.Logger.InfoContext(ctx, "access token revoked", "client_id", client.ID, "subject", p.Subject)
	return nil
}
