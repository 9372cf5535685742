package app

import (
	"context"
	"errors"

	"gatehouse/domain"
	"gatehouse/ports"
)

// exchangeCode redeems an authorization code (OAuth 2.1 §4.1.3). A code
// presented a second time revokes everything its first redemption issued.
func (s *AuthServer) exchangeCode(ctx context.Context, client domain.Client, r TokenRequest) (TokenResponse, error) {
	now := s.Clock()
	if r.Code == "" {
		return TokenResponse{}, domain.ErrInvalidRequest("code is required")
	}
	if r.CodeVerifier == "" {
		return TokenResponse{}, domain.ErrInvalidRequest("code_verifier is required (PKCE)")
	}
	code, err := s.Grants.ConsumeAuthCode(ctx, domain.HashSecret(r.Code), now)
	if errors.Is(err, ports.ErrConflict) {
		if rerr := s.revokeGrantFamily(ctx, code.GrantID, now); rerr != nil {
			return TokenResponse{}, storeErr(rerr, nil)
		}
		s.Logger.WarnContext(ctx, "authorization code replayed; grant revoked", "client_id", client.ID, "grant_id", code.GrantID)
		return TokenResponse{}, domain.ErrInvalidGrant("authorization code was already used")
	}
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("authorization code is invalid or expired"))
	}
	if code.ClientID != client.ID {
		return TokenResponse{}, domain.ErrInvalidGrant("authorization code was issued to another client")
	}
	if r.RedirectURI == "" && code.RedirectURIGiven {
		return TokenResponse{}, domain.ErrInvalidGrant("redirect_uri is required: the authorization request named one")
	}
	if r.RedirectURI != "" && r.RedirectURI != code.RedirectURI {
		return TokenResponse{}, domain.ErrInvalidGrant("redirect_uri does not match the authorization request")
	}
	if err := domain.VerifyPKCE(r.CodeVerifier, code.CodeChallenge); err != nil {
		return TokenResponse{}, err
	}
	if r.Resource != "" {
		want, ok := CanonicalResource(r.Resource)
		if have, _ := CanonicalResource(code.Resource); !ok || want != have {
			return TokenResponse{}, domain.ErrInvalidTarget("resource does not match the authorization request")
		}
	}
	grant, err := s.Grants.GetGrant(ctx, code.GrantID, now)
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("grant has expired"))
	}
	if !grant.Active(now) {
		return TokenResponse{}, domain.ErrInvalidGrant("grant was revoked")
	}
	resp, err := s.mint(ctx, grant.Subject, client.ID, grant.Resource, grant.ID, grant.Scopes, now)
	if err != nil {
		return TokenResponse{}, err
	}
	if client.AllowsGrant(domain.GrantRefreshToken) {
		raw, rt := s.newRefresh(grant, client.ID)
		if err := s.Grants.SaveRefreshToken(ctx, rt); err != nil {
			return TokenResponse{}, storeErr(err, nil)
		}
		resp.RefreshToken = raw
	}
	return resp, nil
}
