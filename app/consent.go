package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"

	"gatehouse/domain"
	"gatehouse/ports"
)

// ConsentParams is the consent form's submission.
type ConsentParams struct {
	RequestID     string
	BrowserSecret string
	CSRFToken     string
	Allow         bool
}

// Consent records the user's decision and redirects back to the client.
func (s *AuthServer) Consent(ctx context.Context, p ConsentParams) (AuthorizeOutcome, error) {
	now := s.Clock()
	req, client, err := s.loadRequest(ctx, p.RequestID, p.BrowserSecret)
	if err != nil {
		return AuthorizeOutcome{}, err
	}
	if req.Subject == "" || req.CSRFHash == "" ||
		subtle.ConstantTimeCompare([]byte(domain.HashSecret(p.CSRFToken)), []byte(req.CSRFHash)) != 1 {
		return AuthorizeOutcome{}, &PageError{domain.ErrInvalidRequest("the consent form is invalid or was already used; start again")}
	}
	if !p.Allow {
		_ = s.AuthRequests.DeleteAuthRequest(ctx, req.ID)
		e := domain.ErrAccessDenied("the user denied the request")
		return AuthorizeOutcome{}, &RedirectError{Err: e, RedirectURL: s.redirectWith(req.RedirectURI, req.State, e)}
	}
	prev, err := s.Consents.GetConsent(ctx, req.Subject, client.ID)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	c := domain.Consent{Subject: req.Subject, ClientID: client.ID, Scopes: prev.Scopes.Union(req.Scopes), GrantedAt: now}
	if err := s.Consents.SaveConsent(ctx, c); err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	return s.finish(ctx, req, AuthorizeOutcome{Client: client})
}

// finish issues the authorization code under a new grant and builds the
// success redirect with code, state and iss.
func (s *AuthServer) finish(ctx context.Context, req domain.AuthRequest, out AuthorizeOutcome) (AuthorizeOutcome, error) {
	now := s.Clock()
	grant := domain.Grant{
		ID:        randomID(),
		ClientID:  req.ClientID,
		Subject:   req.Subject,
		Scopes:    req.Scopes,
		Resource:  req.Resource,
		CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.RefreshTokenTTL),
	}
	if err := s.Grants.CreateGrant(ctx, grant); err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	code := randomToken()
	err := s.Grants.SaveAuthCode(ctx, domain.AuthCode{
		Hash:             domain.HashSecret(code),
		GrantID:          grant.ID,
		ClientID:         req.ClientID,
		Subject:          req.Subject,
		RedirectURI:      req.RedirectURI,
		RedirectURIGiven: req.RedirectURIGiven,
		CodeChallenge:    req.CodeChallenge,
		Scopes:           req.Scopes,
		Resource:         req.Resource,
		ExpiresAt:        now.Add(s.cfg.CodeTTL),
	})
	if err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	if err := s.AuthRequests.DeleteAuthRequest(ctx, req.ID); err != nil {
		return AuthorizeOutcome{}, storeErr(fmt.Errorf("drop finished request: %w", err), nil)
	}
	q := url.Values{"code": {code}, "iss": {s.cfg.Issuer}}
	if req.State != "" {
		q.Set("state", req.State)
	}
	out.Step, out.Request, out.RedirectURL = StepRedirect, req, appendQuery(req.RedirectURI, q)
	return out, nil
}
