package app

import (
	"context"
	"errors"

	"gatehouse/domain"
	"gatehouse/ports"
)

// LoginParams is the login form's submission.
type LoginParams struct {
	RequestID     string
	BrowserSecret string
	Username      string
	Password      string
}

const badLogin = "Invalid username or password."

// Login checks the user's credentials for a pending authorization request.
// A wrong password shows the login page again with a generic message, so
// that the page does not reveal which usernames exist.
func (s *AuthServer) Login(ctx context.Context, p LoginParams) (AuthorizeOutcome, error) {
	now := s.Clock()
	req, client, err := s.loadRequest(ctx, p.RequestID, p.BrowserSecret)
	if err != nil {
		return AuthorizeOutcome{}, err
	}
	user, err := s.Users.GetUser(ctx, p.Username)
	hash := user.PasswordHash
	switch {
	case errors.Is(err, ports.ErrNotFound):
		hash = s.dummyHash
	case err != nil:
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	ok, verr := s.Passwords.VerifyPassword(p.Password, hash)
	if err != nil || verr != nil || !ok {
		if verr != nil {
			s.Logger.WarnContext(ctx, "password hash unusable", "subject", p.Username, "error", verr)
		}
		return AuthorizeOutcome{Step: StepLogin, Request: req, Client: client, LoginError: badLogin}, nil
	}
	secret := randomToken()
	sess := domain.Session{
		IDHash:    domain.HashSecret(secret),
		Kind:      domain.SessionBrowser,
		Subject:   user.Username,
		CreatedAt: now,
		LastUsed:  now,
		ExpiresAt: now.Add(s.cfg.LoginSessionTTL),
	}
	if err := s.Sessions.CreateSession(ctx, sess, 0, now); err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	s.Logger.InfoContext(ctx, "user logged in", "subject", user.Username, "client_id", client.ID)
	return s.afterLogin(ctx, req, client, user, AuthorizeOutcome{NewLoginSecret: secret})
}
