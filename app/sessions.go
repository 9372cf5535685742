package app

import (
	"context"
	"errors"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// SessionConfig governs MCP REST sessions.
type SessionConfig struct {
	TTL time.Duration
	// MaxPerUser caps live sessions per subject; 0 means no cap.
	MaxPerUser int
	Sliding    bool
	// MaxAge caps a sliding session's whole life; 0 means no cap.
	MaxAge time.Duration
}

// Sessions are MCP REST sessions: a handle a user's calls may share, bound
// to that user. A session id is never a credential: every call still
// carries its bearer token, and the token's subject must own the session.
type Sessions struct {
	Config SessionConfig
	Store  ports.SessionStore
	Clock  ports.Clock
}

// ErrSessionLimit: the user already has the maximum number of sessions.
var ErrSessionLimit = errors.New("session limit reached")

// ErrNoSession: no live session with that id belongs to the caller.
var ErrNoSession = errors.New("session not found or expired")

// Create opens a session for the principal and returns its id (shown once;
// stored as a hash).
func (s *Sessions) Create(ctx context.Context, p domain.Principal) (string, domain.Session, error) {
	now := s.Clock()
	id := randomToken()
	sess := domain.Session{
		IDHash: domain.HashSecret(id), Kind: domain.SessionMCP, Subject: p.Subject, ClientID: p.ClientID,
		CreatedAt: now, LastUsed: now, ExpiresAt: now.Add(s.Config.TTL),
	}
	if err := s.Store.CreateSession(ctx, sess, s.Config.MaxPerUser, now); err != nil {
		if errors.Is(err, ports.ErrConflict) {
			return "", domain.Session{}, ErrSessionLimit
		}
		return "", domain.Session{}, err
	}
	return id, sess, nil
}

// Use checks that the session is live and the caller's, and slides its
// expiry when configured.
func (s *Sessions) Use(ctx context.Context, p domain.Principal, id string) (domain.Session, error) {
	now := s.Clock()
	sess, err := s.owned(ctx, p, id, now)
	if err != nil {
		return domain.Session{}, err
	}
	if !s.Config.Sliding {
		return sess, nil
	}
	sess = sess.Slide(now, s.Config.TTL, s.Config.MaxAge)
	if err := s.Store.TouchSession(ctx, sess, now); err != nil {
		if errors.Is(err, ports.ErrNotFound) {
			return domain.Session{}, ErrNoSession
		}
		return domain.Session{}, err
	}
	return sess, nil
}

// Delete ends the caller's session.
func (s *Sessions) Delete(ctx context.Context, p domain.Principal, id string) error {
	sess, err := s.owned(ctx, p, id, s.Clock())
	if err != nil {
		return err
	}
	if err := s.Store.DeleteSession(ctx, sess.IDHash); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return err
	}
	return nil
}

// owned finds a live MCP session of the caller. Another user's session is
// reported exactly like a missing one, so ids cannot be probed.
func (s *Sessions) owned(ctx context.Context, p domain.Principal, id string, now time.Time) (domain.Session, error) {
	if id == "" {
		return domain.Session{}, ErrNoSession
	}
	sess, err := s.Store.GetSession(ctx, domain.HashSecret(id), now)
	if errors.Is(err, ports.ErrNotFound) {
		return domain.Session{}, ErrNoSession
	}
	if err != nil {
		return domain.Session{}, err
	}
	if sess.Kind != domain.SessionMCP || sess.Subject != p.Subject {
		return domain.Session{}, ErrNoSession
	}
	return sess, nil
}
