package app

import (
	"context"
	"errors"

	"gatehouse/domain"
	"gatehouse/ports"
)

// rotateRefresh exchanges a refresh token for a new pair. Every use rotates
// the token; presenting a rotated token revokes the whole grant
// (RFC 9700 §4.14.2), except once within the configured grace period, which
// returns the same successor. The scope may narrow for the new access token, never
// widen; the refresh token keeps the grant's scope (RFC 6749 §6).
func (s *AuthServer) rotateRefresh(ctx context.Context, client domain.Client, r TokenRequest) (TokenResponse, error) {
	now := s.Clock()
	if r.RefreshToken == "" {
		return TokenResponse{}, domain.ErrInvalidRequest("refresh_token is required")
	}
	oldHash := domain.HashSecret(r.RefreshToken)
	old, err := s.Grants.GetRefreshToken(ctx, oldHash, now)
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("refresh token is invalid or expired"))
	}
	if old.ClientID != client.ID {
		return TokenResponse{}, domain.ErrInvalidGrant("refresh token was issued to another client")
	}
	grant, err := s.Grants.GetGrant(ctx, old.GrantID, now)
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("grant has expired"))
	}
	scopes := grant.Scopes
	if r.Scope != "" {
		asked := domain.ParseScopes(r.Scope)
		if !grant.Scopes.Contains(asked) {
			return TokenResponse{}, domain.ErrInvalidScope("scope may only narrow on refresh")
		}
		scopes = asked
	}
	// The user may have been removed or lost scopes since the grant: a
	// refresh never mints more than the user holds now.
	user, err := s.Users.GetUser(ctx, grant.Subject)
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("the user of this grant no longer exists"))
	}
	if user.Disabled {
		return TokenResponse{}, domain.ErrInvalidGrant("the user of this grant is disabled")
	}
	if scopes = scopes.Intersect(user.Scopes); len(scopes) == 0 {
		return TokenResponse{}, domain.ErrInvalidGrant("the user no longer holds any of the granted scopes")
	}
	if r.Resource != "" {
		want, ok := CanonicalResource(r.Resource)
		if have, _ := CanonicalResource(grant.Resource); !ok || want != have {
			return TokenResponse{}, domain.ErrInvalidTarget("resource does not match the grant")
		}
	}
	raw, next := s.newRefresh(grant, client.ID)
	rotated, err := s.Grants.RotateRefreshToken(ctx, oldHash, ports.Rotation{
		Next: next, SealedNext: sealSuccessor(r.RefreshToken, raw), Grace: s.cfg.RefreshGrace,
	}, now)
	if errors.Is(err, ports.ErrRefreshInGrace) {
		// A retry of a rotation that just happened (replicas or a client
		// racing itself): the same successor again, with a new access token.
		if raw, err = openSuccessor(r.RefreshToken, rotated.SealedSuccessor); err != nil || domain.HashSecret(raw) != rotated.Successor {
			return TokenResponse{}, domain.ErrInvalidGrant("refresh token is invalid, expired or revoked")
		}
	}
	if errors.Is(err, ports.ErrRefreshReused) {
		if rerr := s.revokeGrantFamily(ctx, grant.ID, now); rerr != nil {
			return TokenResponse{}, storeErr(rerr, nil)
		}
		s.Logger.WarnContext(ctx, "refresh token reused; grant revoked", "client_id", client.ID, "grant_id", grant.ID, "subject", grant.Subject)
		return TokenResponse{}, domain.ErrInvalidGrant("refresh token was already used; the grant is revoked")
	}
	if err != nil {
		return TokenResponse{}, storeErr(err, domain.ErrInvalidGrant("refresh token is invalid, expired or revoked"))
	}
	if !grant.Active(now) {
		return TokenResponse{}, domain.ErrInvalidGrant("grant was revoked")
	}
	resp, err := s.mint(ctx, grant.Subject, client.ID, grant.Resource, grant.ID, scopes, now)
	if err != nil {
		return TokenResponse{}, err
	}
	resp.RefreshToken = raw
	return resp, nil
}
