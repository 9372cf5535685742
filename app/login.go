package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// LoginParams is the login form's submission.
type LoginParams struct {
	RequestID     string
	BrowserSecret string
	Username      string
	Password      string
	// ClientIP is the address the form came from, as the edge determined
	// it (trusted proxies applied); "" leaves out the per-IP limit.
	ClientIP string
}

const badLogin = "Invalid username or password."

// Login checks the user's credentials for a pending authorization request.
// A wrong password, an unknown user and a disabled user all show the login
// page again with one generic message after the same password check, so
// that the page does not reveal which usernames exist or are disabled.
//
// Failed logins are throttled per username and per client IP (see
// loginLockouts); a throttled attempt is refused before its password is
// checked, with the same message whether or not the user exists.
func (s *AuthServer) Login(ctx context.Context, p LoginParams) (AuthorizeOutcome, error) {
	now := s.Clock()
	req, client, err := s.loadRequest(ctx, p.RequestID, p.BrowserSecret)
	if err != nil {
		return AuthorizeOutcome{}, err
	}
	again := func(msg string) AuthorizeOutcome {
		return AuthorizeOutcome{Step: StepLogin, Request: req, Client: client, LoginError: msg}
	}
	keys := s.loginKeys(p)
	if until := s.lockouts.lockedUntil(keys, now); !until.IsZero() {
		s.Logger.DebugContext(ctx, "login throttled", "subject", p.Username, "client_ip", p.ClientIP)
		return again(throttledLogin(until.Sub(now))), nil
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
	if err != nil || verr != nil || !ok || user.Disabled {
		switch {
		case verr != nil:
			s.Logger.WarnContext(ctx, "password hash unusable", "subject", p.Username, "error", verr)
		case err == nil && ok:
			s.Logger.InfoContext(ctx, "login refused: the user is disabled", "event", "login_failed", "subject", p.Username)
		default:
			s.Logger.InfoContext(ctx, "login failed", "event", "login_failed", "subject", p.Username, "client_ip", p.ClientIP)
		}
		until, lerr := s.countLoginFailure(ctx, keys, now)
		if lerr != nil {
			return AuthorizeOutcome{}, storeErr(lerr, nil)
		}
		if !until.IsZero() {
			s.Logger.WarnContext(ctx, "failed logins reached the limit", "subject", p.Username, "client_ip", p.ClientIP)
			return again(throttledLogin(until.Sub(now))), nil
		}
		return again(badLogin), nil
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
	s.Logger.InfoContext(ctx, "user logged in", "event", "login", "subject", user.Username, "client_id", client.ID)
	return s.afterLogin(ctx, req, client, user, AuthorizeOutcome{NewLoginSecret: secret})
}

// throttledLogin tells a throttled user how long to wait, in whole minutes
// rounded up.
func throttledLogin(wait time.Duration) string {
	n := max(1, int((wait+time.Minute-1)/time.Minute))
	if n == 1 {
		return "Too many failed logins; try again in 1 minute."
	}
	return fmt.Sprintf("Too many failed logins; try again in %d minutes.", n)
}

// loginKeys are the limiter keys a login attempt counts against; none when
// throttling is off. The username goes in hashed: a form may send any
// string, and every limiter must be able to keep the key (Postgres refuses
// NUL bytes and over-long index entries).
func (s *AuthServer) loginKeys(p LoginParams) []string {
	if s.LoginLimiter == nil || s.cfg.LoginAttempts <= 0 || s.cfg.LoginWindow <= 0 {
		return nil
	}
	sum := sha256.Sum256([]byte(p.Username))
	keys := []string{"login-user:" + hex.EncodeToString(sum[:])}
	if p.ClientIP != "" {
		keys = append(keys, "login-ip:"+p.ClientIP)
	}
	return keys
}

// countLoginFailure counts one failed login against every key and returns
// until when the attempts must now stop (zero: they may go on). A key whose
// failures this one used up is remembered as locked. A limiter that cannot
// count is an error: the failure must not go uncounted.
func (s *AuthServer) countLoginFailure(ctx context.Context, keys []string, now time.Time) (time.Time, error) {
	var until time.Time
	for _, k := range keys {
		d, err := s.LoginLimiter.Allow(ctx, k, s.cfg.LoginAttempts, s.cfg.LoginWindow, now)
		if err != nil {
			return time.Time{}, fmt.Errorf("count failed login: %w", err)
		}
		if !d.Allowed || d.Remaining == 0 {
			s.lockouts.lock(k, d.Reset, now)
			if d.Reset.After(until) {
				until = d.Reset
			}
		}
	}
	return until, nil
}

// maxLockouts bounds the lockouts one server remembers.
const maxLockouts = 10_000

// loginLockouts remembers which limiter keys have used up their failed
// logins, and until when.
//
// Only failures are counted: the limiter is asked after a failed password
// check, never for a success, so someone who logs in often is never locked
// out. The attempt after the limit must be refused before its password is
// checked, yet ports.RateLimiter cannot say whether a key is over its limit
// without counting one more event, which would count successes too. So the
// decision that used a key's failures up (Remaining 0, or refused) is kept
// here until the end of its window (the decision's Reset), and attempts on a
// locked key are refused unchecked.
//
// With a shared limiter the counts are shared by replicas, the lockouts are
// not: a replica that has not yet seen a key locked checks one more password
// for it, and remembers the lock when that one fails too. An attacker thus
// gets at most one extra guess per replica and window.
//
// Memory is bounded: past maxLockouts, expired entries go first, then the
// one that ends soonest.
type loginLockouts struct {
	mu    sync.Mutex
	until map[string]time.Time
}

func newLoginLockouts() *loginLockouts {
	return &loginLockouts{until: map[string]time.Time{}}
}

// lockedUntil returns the latest end of a lockout on any of keys, zero if
// none is locked at now.
func (l *loginLockouts) lockedUntil(keys []string, now time.Time) time.Time {
	if len(keys) == 0 {
		return time.Time{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	var latest time.Time
	for _, k := range keys {
		if u, ok := l.until[k]; ok && now.Before(u) && u.After(latest) {
			latest = u
		}
	}
	return latest
}

// lock locks key until the given instant.
func (l *loginLockouts) lock(key string, until, now time.Time) {
	if !now.Before(until) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.until[key]; !ok && len(l.until) >= maxLockouts {
		l.makeRoom(now)
	}
	if until.After(l.until[key]) {
		l.until[key] = until
	}
}

// makeRoom drops expired lockouts, or failing that the one that ends
// soonest. The caller holds l.mu.
func (l *loginLockouts) makeRoom(now time.Time) {
	var soonest string
	var soonestEnd time.Time
	for k, u := range l.until {
		if !now.Before(u) {
			delete(l.until, k)
			continue
		}
		if soonestEnd.IsZero() || u.Before(soonestEnd) {
			soonest, soonestEnd = k, u
		}
	}
	if len(l.until) >= maxLockouts {
		delete(l.until, soonest)
	}
}
