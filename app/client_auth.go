package app

import (
	"context"

	"gatehouse/domain"
)

// ClientCredentials is how a client identified itself at the token,
// revocation or introspection endpoint.
type ClientCredentials struct {
	ClientID string
	Secret   string
	// Method is the client authentication method used on the wire:
	// client_secret_basic, client_secret_post or none.
	Method string
}

// AuthenticateClient checks a client's credentials. Every failure is
// invalid_client with one description, so the answer does not reveal
// whether the client exists.
func (s *AuthServer) AuthenticateClient(ctx context.Context, cc ClientCredentials) (domain.Client, error) {
	if cc.ClientID == "" {
		return domain.Client{}, domain.ErrInvalidClient("client authentication failed")
	}
	client, err := s.lookupClient(ctx, cc.ClientID)
	if err != nil {
		oe := asOAuth(err)
		if oe.Code == domain.CodeTemporarilyUnavailable || oe.Code == domain.CodeServerError {
			return domain.Client{}, oe
		}
		return domain.Client{}, domain.ErrInvalidClient("client authentication failed").WithCause(err)
	}
	if client.Public() {
		if cc.Method != domain.AuthMethodNone || cc.Secret != "" {
			return domain.Client{}, domain.ErrInvalidClient("client authentication failed: public client sent a secret")
		}
		if !s.cfg.AllowPublicClients {
			return domain.Client{}, domain.ErrInvalidClient("public clients are not allowed")
		}
		return client, nil
	}
	if cc.Method == domain.AuthMethodNone || client.SecretHash == "" || !domain.SecretMatches(cc.Secret, client.SecretHash) {
		return domain.Client{}, domain.ErrInvalidClient("client authentication failed")
	}
	return client, nil
}
