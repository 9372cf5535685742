package app

import (
	"context"
	"errors"
	"time"

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
	// The hint only orders the search: a token not found as the hinted type
	// must be looked up as the other (RFC 7009 §2.1).
	search := []func(context.Context, domain.Client, string, time.Time) (bool, error){s.revokeRefresh, s.revokeAccess}
	if hint == "access_token" {
		search[0], search[1] = search[1], search[0]
	}
	for _, try := range search {
		if found, err := try(ctx, client, token, now); found || err != nil {
			return err
		}
	}
	return nil
}

// revokeRefresh revokes the grant of a refresh token the client owns; found
// is false when token is no refresh token.
func (s *AuthServer) revokeRefresh(ctx context.Context, client domain.Client, token string, now time.Time) (bool, error) {
	rt, err := s.Grants.GetRefreshToken(ctx, domain.HashSecret(token), now)
	switch {
	case errors.Is(err, ports.ErrNotFound):
		return false, nil
	case err != nil:
		return false, storeErr(err, nil)
	case rt.ClientID != client.ID:
		return true, nil
	}
	if err := s.revokeGrantFamily(ctx, rt.GrantID, now); err != nil {
		return true, storeErr(err, nil)
	}
	s.Logger.InfoContext(ctx, "grant revoked", "client_id", client.ID, "grant_id", rt.GrantID)
	return true, nil
}

// revokeAccess denies an access token the client owns until it expires;
// found is false when token is no valid access token.
func (s *AuthServer) revokeAccess(ctx context.Context, client domain.Client, token string, _ time.Time) (bool, error) {
	p, err := s.Verifier.VerifyAccessToken(ctx, token)
	switch {
	case errors.Is(err, ports.ErrUnavailable):
		return false, storeErr(err, nil)
	case err != nil:
		return false, nil
	case p.ClientID != client.ID:
		return true, nil
	}
	if err := s.Revocations.Revoke(ctx, TokenRevocationKey(p.TokenID), p.ExpiresAt.Add(RevocationMargin)); err != nil {
		return true, storeErr(err, nil)
	}
	s.Logger.InfoContext(ctx, "access token revoked", "client_id", client.ID, "subject", p.Subject)
	return true, nil
}
