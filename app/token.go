package app

import (
	"context"
	"time"

	"gatehouse/domain"
)

// TokenRequest is a POST /auth/token request after client authentication
// has been parsed from the wire.
type TokenRequest struct {
	Client       ClientCredentials
	GrantType    string
	Code         string
	RedirectURI  string
	CodeVerifier string
	RefreshToken string
	Scope        string
	Resource     string
	// ResourceCount counts resource parameters; more than one is refused.
	ResourceCount int
}

// TokenResponse is the RFC 6749 §5.1 success body.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// Token dispatches a token request by grant type.
func (s *AuthServer) Token(ctx context.Context, r TokenRequest) (TokenResponse, error) {
	switch r.GrantType {
	case domain.GrantAuthorizationCode, domain.GrantRefreshToken, domain.GrantClientCredentials:
	case "":
		return TokenResponse{}, domain.ErrInvalidRequest("grant_type is required")
	default:
		return TokenResponse{}, domain.ErrUnsupportedGrantType("grant_type " + r.GrantType + " is not supported")
	}
	if r.ResourceCount > 1 {
		return TokenResponse{}, domain.ErrInvalidTarget("exactly one resource may be requested")
	}
	client, err := s.AuthenticateClient(ctx, r.Client)
	if err != nil {
		return TokenResponse{}, err
	}
	if !client.AllowsGrant(r.GrantType) {
		return TokenResponse{}, domain.ErrUnauthorizedClient("client may not use grant_type " + r.GrantType)
	}
	ctx, end := tracerOr(s.Tracer).Start(ctx, "token "+r.GrantType)
	var resp TokenResponse
	switch r.GrantType {
	case domain.GrantAuthorizationCode:
		resp, err = s.exchangeCode(ctx, client, r)
	case domain.GrantRefreshToken:
		resp, err = s.rotateRefresh(ctx, client, r)
	default:
		resp, err = s.clientCredentials(ctx, client, r)
	}
	end(err)
	if err == nil {
		metricsOr(s.Metrics).TokenIssued(ctx, r.GrantType)
		s.Logger.InfoContext(ctx, "token issued", "event", "token_issued", "grant_type", r.GrantType, "client_id", client.ID)
	}
	return resp, err
}

// mint signs an access token and, when refresh is non-nil, stores the
// refresh token that comes with it.
func (s *AuthServer) mint(ctx context.Context, subject, clientID, resource, grantID string, scopes domain.Scopes, now time.Time) (TokenResponse, error) {
	claims := domain.AccessTokenClaims{
		Issuer:    s.cfg.Issuer,
		Subject:   subject,
		Audience:  []string{resource},
		ClientID:  clientID,
		Scopes:    scopes,
		TokenID:   randomID(),
		GrantID:   grantID,
		IssuedAt:  now,
		ExpiresAt: now.Add(s.cfg.AccessTokenTTL),
	}
	at, err := s.Issuer.IssueAccessToken(ctx, claims)
	if err != nil {
		return TokenResponse{}, storeErr(err, nil)
	}
	return TokenResponse{
		AccessToken: at,
		TokenType:   "Bearer",
		ExpiresIn:   int64(s.cfg.AccessTokenTTL / time.Second),
		Scope:       scopes.String(),
	}, nil
}

// newRefresh mints a refresh token for a grant and returns its raw value
// with the record to store.
func (s *AuthServer) newRefresh(grant domain.Grant, clientID string) (string, domain.RefreshToken) {
	raw := randomToken()
	return raw, domain.RefreshToken{
		Hash:      domain.HashSecret(raw),
		GrantID:   grant.ID,
		ClientID:  clientID,
		Scopes:    grant.Scopes,
		ExpiresAt: grant.ExpiresAt,
	}
}
