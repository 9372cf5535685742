package app_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/password"
	"gatehouse/adapters/store/memory"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// recordingHasher remembers every hash a password was checked against.
type recordingHasher struct {
	ports.PasswordHasher
	mu      sync.Mutex
	checked []string
}

func (r *recordingHasher) VerifyPassword(pw, hash string) (bool, error) {
	r.mu.Lock()
	r.checked = append(r.checked, hash)
	r.mu.Unlock()
	return r.PasswordHasher.VerifyPassword(pw, hash)
}

func (r *recordingHasher) checks() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.checked...)
}

// withDirectory puts a store of users behind the fixed alice and bob, with
// carol stored there (her password is alice's), and returns the store.
func withDirectory(t *testing.T, carolDisabled bool) (*memory.Store, func(*app.AuthServerConfig, *app.AuthServerDeps)) {
	t.Helper()
	dir := memory.New()
	carol := domain.User{
		Username: "carol", PasswordHash: mustHash(t, password.New(password.Params{Memory: 1024, Time: 1, Threads: 1}), alicePassword),
		Scopes: domain.ParseScopes("read write"), Disabled: carolDisabled,
	}
	if err := dir.CreateUser(t.Context(), carol); err != nil {
		t.Fatalf("CreateUser(carol): %v", err)
	}
	return dir, func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		d.Users = memory.NewUsersOver(dir, mustFixed(t, d.Users, "alice"), mustFixed(t, d.Users, "bob"))
	}
}

func mustFixed(t *testing.T, users ports.UserStore, name string) domain.User {
	t.Helper()
	u, err := users.GetUser(t.Context(), name)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", name, err)
	}
	return u
}

// A disabled user with the right password sees exactly what a wrong
// password shows, after the same password check against the user's own
// hash, and gets no login session.
func TestLoginDisabledUserLooksLikeAWrongPassword(t *testing.T) {
	dir, edit := withDirectory(t, true)
	rec := &recordingHasher{}
	h := newHarness(t, edit, func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		rec.PasswordHasher = d.Passwords
		d.Passwords = rec
	})
	b := &browser{}
	start, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	start = mustStep(t, start, err, app.StepLogin)

	wrong, err := h.login(t, b, start.Request.ID, "alice", "not-alice-password")
	wrong = mustStep(t, wrong, err, app.StepLogin)
	before := len(rec.checks())
	disabled, err := h.login(t, b, start.Request.ID, "carol", alicePassword)
	disabled = mustStep(t, disabled, err, app.StepLogin)

	if disabled.NewLoginSecret != "" {
		t.Error("a disabled user got a login session")
	}
	if d := cmp.Diff(wrong, disabled); d != "" {
		t.Errorf("disabled user's outcome differs from a wrong password's (-wrong +disabled):\n%s", d)
	}
	carol, err := dir.GetUser(t.Context(), "carol")
	if err != nil {
		t.Fatalf("GetUser(carol): %v", err)
	}
	if got := rec.checks()[before:]; !cmp.Equal(got, []string{carol.PasswordHash}) {
		t.Errorf("password checked against %q, want carol's own hash once", got)
	}

	// Enabled again, the same credentials log in.
	carol.Disabled = false
	if err := dir.UpdateUser(t.Context(), carol); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	out, err := h.login(t, b, start.Request.ID, "carol", alicePassword)
	out = mustStep(t, out, err, app.StepConsent)
	if out.NewLoginSecret == "" {
		t.Error("carol, enabled again, got no login session")
	}
}

// Users stored in the directory log in like configured ones.
func TestLoginStoredUser(t *testing.T) {
	_, edit := withDirectory(t, false)
	h := newHarness(t, edit)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read write", pk), "carol")
	resp, err := h.exchange(t, publicID, code, pk.verifier)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if sub := h.mustClaims(t, resp.AccessToken).Subject; sub != "carol" {
		t.Errorf("subject = %q, want carol", sub)
	}
}

// A grant stops refreshing while its user is disabled, without being
// revoked: enabled again, the same refresh token works.
func TestRefreshRefusedWhileTheUserIsDisabled(t *testing.T) {
	dir, edit := withDirectory(t, false)
	h := newHarness(t, edit)
	first := h.tokensFor(t, publicID, "carol", "read")

	carol, err := dir.GetUser(t.Context(), "carol")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	carol.Disabled = true
	if err := dir.UpdateUser(t.Context(), carol); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	h.clock.Advance(time.Minute)
	_, err = h.refresh(t, publicID, first.RefreshToken, "")
	wantCode(t, err, domain.CodeInvalidGrant)
	if oe := asOAuth(err); oe.Description != "the user of this grant is disabled" {
		t.Errorf("description = %q, want %q", oe.Description, "the user of this grant is disabled")
	}

	carol.Disabled = false
	if err := dir.UpdateUser(t.Context(), carol); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if _, err := h.refresh(t, publicID, first.RefreshToken, ""); err != nil {
		t.Errorf("refresh after enabling the user again: %v", err)
	}
}

func asOAuth(err error) *domain.OAuthError {
	var oe *domain.OAuthError
	if !errors.As(err, &oe) {
		return &domain.OAuthError{}
	}
	return oe
}

// A browser still logged in as a user who has since been disabled is sent
// back to the login page, which refuses them, instead of authorizing more
// clients on the old session.
func TestDisabledUserLoginSessionNoLongerAuthorizes(t *testing.T) {
	dir, edit := withDirectory(t, false)
	h := newHarness(t, edit)
	b := &browser{}
	pk := newPKCE(t)
	h.authorize(t, b, authParams(publicID, publicRedirect, "read", pk), "carol")

	carol, err := dir.GetUser(t.Context(), "carol")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	carol.Disabled = true
	if err := dir.UpdateUser(t.Context(), carol); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	mustStep(t, out, err, app.StepLogin)
}
