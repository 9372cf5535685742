package app_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestLoginNarrowsScopesToTheUser(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	pk := newPKCE(t)
	out, err := h.loggedIn(t, b, authParams(publicID, publicRedirect, "read write", pk), "bob")
	out = mustStep(t, out, err, app.StepConsent)
	if got := out.Request.Scopes.String(); got != "read" {
		t.Errorf("consent asks for %q, want %q (client read write ∩ bob read)", got, "read")
	}
	if out.CSRFToken == "" || out.NewLoginSecret == "" {
		t.Errorf("CSRFToken = %q, NewLoginSecret = %q, want both set", out.CSRFToken, out.NewLoginSecret)
	}
	out, err = h.consent(t, b, out, true)
	out = mustStep(t, out, err, app.StepRedirect)
	resp, err := h.exchange(t, publicID, codeFrom(t, out.RedirectURL, publicRedirect), pk.verifier)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if resp.Scope != "read" {
		t.Errorf("token scope = %q, want %q", resp.Scope, "read")
	}
}

func TestLoginUserHoldingNoneOfTheScopesIsDenied(t *testing.T) {
	h := newHarness(t)
	_, err := h.loggedIn(t, &browser{}, authParams(publicID, publicRedirect, "write", newPKCE(t)), "bob")
	wantRedirectError(t, err, domain.CodeAccessDenied, publicRedirect)
}

// A failed login must look the same whether or not the user exists.
func TestLoginFailureDoesNotRevealUsers(t *testing.T) {
	tests := []struct {
		name, user, password string
	}{
		{"wrong password", "alice", "not-alice-password"},
		{"unknown user", "mallory", alicePassword},
		{"empty password", "alice", ""},
	}
	h := newHarness(t)
	b := &browser{}
	start, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	start = mustStep(t, start, err, app.StepLogin)
	var first *app.AuthorizeOutcome
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := h.login(t, b, start.Request.ID, tt.user, tt.password)
			out = mustStep(t, out, err, app.StepLogin)
			if out.LoginError == "" {
				t.Error("LoginError is empty")
			}
			if out.NewLoginSecret != "" {
				t.Error("a failed login created a login session")
			}
			if first == nil {
				first = &out
				return
			}
			if diff := cmp.Diff(*first, out); diff != "" {
				t.Errorf("outcome differs from %q's (-first +got):\n%s", tests[0].name, diff)
			}
		})
	}
	// The request survives failed attempts.
	if _, err := h.login(t, b, start.Request.ID, "alice", alicePassword); err != nil {
		t.Errorf("login after failures: %v", err)
	}
}

func TestLoginFromAnotherBrowserIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		secret string
	}{
		{"other browser", "another-browser-secret"},
		{"no cookie", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			out, err := h.start(t, &browser{}, authParams(publicID, publicRedirect, "read", newPKCE(t)))
			out = mustStep(t, out, err, app.StepLogin)
			_, err = h.login(t, &browser{secret: tt.secret}, out.Request.ID, "alice", alicePassword)
			wantPageError(t, err, domain.CodeInvalidRequest)
		})
	}
}

func TestLoginUnknownRequestIsRefused(t *testing.T) {
	h := newHarness(t)
	_, err := h.login(t, &browser{secret: "s"}, "no-such-request", "alice", alicePassword)
	wantPageError(t, err, domain.CodeInvalidRequest)
}
