package app_test

import (
	"testing"
	"time"

	"gatehouse/app"
	"gatehouse/domain"
)

// Only a live browser login session skips the login page.
func TestLoginSessionThatDoesNotCount(t *testing.T) {
	tests := []struct {
		name    string
		session func(h *harness) domain.Session
		advance time.Duration
	}{
		{"MCP session", func(h *harness) domain.Session {
			return domain.Session{Kind: domain.SessionMCP, Subject: "alice", ExpiresAt: h.clock.Now().Add(time.Hour)}
		}, 0},
		{"expired session", func(h *harness) domain.Session {
			return domain.Session{Kind: domain.SessionBrowser, Subject: "alice", ExpiresAt: h.clock.Now().Add(time.Hour)}
		}, time.Hour},
		// A user removed from the configuration while their session lives
		// on must be able to log in again, not be refused until it expires.
		{"user no longer exists", func(h *harness) domain.Session {
			return domain.Session{Kind: domain.SessionBrowser, Subject: "ghost", ExpiresAt: h.clock.Now().Add(time.Hour)}
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			const loginSecret = "login-cookie"
			s := tt.session(h)
			s.IDHash, s.CreatedAt, s.LastUsed = domain.HashSecret(loginSecret), h.clock.Now(), h.clock.Now()
			if err := h.store.CreateSession(t.Context(), s, 0, h.clock.Now()); err != nil {
				t.Fatalf("CreateSession: %v", err)
			}
			h.clock.Advance(tt.advance)
			b := &browser{secret: "browser-cookie", login: loginSecret}
			out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
			out = mustStep(t, out, err, app.StepLogin)
			// Logging in as someone else works from there.
			out, err = h.login(t, b, out.Request.ID, "bob", bobPassword)
			mustStep(t, out, err, app.StepConsent)
		})
	}
}

func TestLoginSessionExpiresAfterLoginSessionTTL(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	h.authorize(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)), "alice")
	h.clock.Advance(h.cfg.LoginSessionTTL - time.Second)
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	mustStep(t, out, err, app.StepRedirect)
	h.clock.Advance(time.Second)
	out, err = h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	mustStep(t, out, err, app.StepLogin)
}

func TestLoginWithUnusablePasswordHash(t *testing.T) {
	h := newHarness(t, func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		d.Users = memoryUsers(domain.User{Username: "carol", PasswordHash: "plaintext-password", Scopes: domain.ParseScopes("read")})
	})
	b := &browser{}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	for _, pw := range []string{"plaintext-password", ""} {
		got, err := h.login(t, b, out.Request.ID, "carol", pw)
		got = mustStep(t, got, err, app.StepLogin)
		if got.LoginError == "" || got.NewLoginSecret != "" {
			t.Errorf("password %q against an unusable hash: outcome %+v, want a failed login", pw, got)
		}
	}
}

func TestLoginForDeletedClientIsRefused(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	if err := h.store.DeleteClient(t.Context(), publicID); err != nil {
		t.Fatalf("DeleteClient: %v", err)
	}
	_, err = h.login(t, b, out.Request.ID, "alice", alicePassword)
	wantPageError(t, err, domain.CodeInvalidClient)
}
