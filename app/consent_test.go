package app_test

import (
	"testing"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestConsentIsRemembered(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	h.authorize(t, b, authParams(publicID, publicRedirect, "read write", newPKCE(t)), "alice")

	// Same browser, still logged in: no login page and no consent page.
	pk := newPKCE(t)
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", pk))
	out = mustStep(t, out, err, app.StepRedirect)
	code := codeFrom(t, out.RedirectURL, publicRedirect)
	if _, err := h.exchange(t, publicID, code, pk.verifier); err != nil {
		t.Fatalf("exchange the code of a remembered consent: %v", err)
	}

	// A new browser logs in again but is not asked again.
	out, err = h.loggedIn(t, &browser{}, authParams(publicID, publicRedirect, "write", newPKCE(t)), "alice")
	mustStep(t, out, err, app.StepRedirect)
}

func TestConsentForFewerScopesAsksAgain(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	h.authorize(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)), "alice")

	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read write", newPKCE(t)))
	out = mustStep(t, out, err, app.StepConsent)
	if got := out.Request.Scopes.String(); got != "read write" {
		t.Errorf("consent asks for %q, want %q", got, "read write")
	}
	out, err = h.consent(t, b, out, true)
	mustStep(t, out, err, app.StepRedirect)

	got, err := h.store.GetConsent(t.Context(), "alice", publicID)
	if err != nil {
		t.Fatalf("GetConsent: %v", err)
	}
	if got.Scopes.String() != "read write" {
		t.Errorf("stored consent = %q, want %q", got.Scopes, "read write")
	}
	out, err = h.start(t, b, authParams(publicID, publicRedirect, "write", newPKCE(t)))
	mustStep(t, out, err, app.StepRedirect)
}

func TestConsentIsPerClient(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	h.authorize(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)), "alice")
	out, err := h.start(t, b, authParams(otherID, otherRedirect, "read", newPKCE(t)))
	mustStep(t, out, err, app.StepConsent)
}

func TestConsentDenied(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	out, err := h.loggedIn(t, b, authParams(confID, confRedirect, "read", newPKCE(t)), "alice")
	out = mustStep(t, out, err, app.StepConsent)
	_, err = h.consent(t, b, out, false)
	wantRedirectError(t, err, domain.CodeAccessDenied, confRedirect)

	if _, err := h.store.GetConsent(t.Context(), "alice", confID); err == nil {
		t.Error("a denial was stored as consent")
	}
	// The request is gone: the same form cannot be allowed afterwards.
	_, err = h.consent(t, b, out, true)
	wantPageError(t, err, domain.CodeInvalidRequest)
}

func TestConsentFormIsChecked(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *app.ConsentParams)
	}{
		{"wrong CSRF token", func(p *app.ConsentParams) { p.CSRFToken = "forged" }},
		{"missing CSRF token", func(p *app.ConsentParams) { p.CSRFToken = "" }},
		{"another browser", func(p *app.ConsentParams) { p.BrowserSecret = "another-browser" }},
		{"no browser cookie", func(p *app.ConsentParams) { p.BrowserSecret = "" }},
		{"unknown request", func(p *app.ConsentParams) { p.RequestID = "no-such-request" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			b := &browser{}
			out, err := h.loggedIn(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)), "alice")
			out = mustStep(t, out, err, app.StepConsent)
			p := app.ConsentParams{RequestID: out.Request.ID, BrowserSecret: b.secret, CSRFToken: out.CSRFToken, Allow: true}
			tt.edit(&p)
			_, err = h.srv.Consent(t.Context(), p)
			wantPageError(t, err, domain.CodeInvalidRequest)
			if _, err := h.store.GetConsent(t.Context(), "alice", publicID); err == nil {
				t.Error("a refused form was stored as consent")
			}
		})
	}
}

func TestConsentBeforeLoginIsRefused(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	_, err = h.consent(t, b, out, true)
	wantPageError(t, err, domain.CodeInvalidRequest)
}

func TestConsentFormIsSingleUse(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	out, err := h.loggedIn(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)), "alice")
	out = mustStep(t, out, err, app.StepConsent)
	done, err := h.consent(t, b, out, true)
	mustStep(t, done, err, app.StepRedirect)
	_, err = h.consent(t, b, out, true)
	wantPageError(t, err, domain.CodeInvalidRequest)
}
