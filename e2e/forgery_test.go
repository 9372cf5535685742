package e2e

import (
	"net/http"
	"net/url"
	"testing"
)

// TestLoginAndConsentFormsResistForgery replays the login and consent forms
// with forged or foreign values: none of them may end in a code.
func TestLoginAndConsentFormsResistForgery(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	allow := func(c control) bool { return c.Name == "decision" && c.Value == "allow" }

	// pageForm opens a fresh authorization for user and stops at the first
	// form of the given kind; it returns the browser, the page and the form.
	pageForm := func(t *testing.T, user string, want func(htmlForm) bool) (*browser, *url.URL, htmlForm, authRequest) {
		t.Helper()
		b := newBrowser(t, s)
		req := s.newAuthRequest(s.demoConfig(t, "read"))
		o := b.authorize(t, req.URL, user, "")
		for _, f := range parseForms(o.Last.Body) {
			if want(f) {
				page, err := url.Parse(o.Last.URL)
				if err != nil {
					t.Fatal(err)
				}
				return b, page, f, req
			}
		}
		t.Fatalf("no such form on the page\n%s", o)
		return nil, nil, htmlForm{}, req
	}
	// wantNoProgress checks a forged submission got neither a code nor the
	// next page of the flow.
	wantNoProgress := func(t *testing.T, b *browser, resp *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ex := b.rec.last()
		if loc := resp.Header.Get("Location"); loc != "" {
			if u, _ := url.Parse(loc); u != nil && u.Query().Has("code") {
				t.Errorf("forged submission was redirected with a code\n%s", ex)
			}
		}
		for _, f := range parseForms(ex.Body) {
			if f.isConsent() {
				t.Errorf("forged submission reached the consent page\n%s", ex)
			}
		}
	}

	t.Run("wrong password shows no consent and no code", func(t *testing.T) {
		b, page, f, _ := pageForm(t, "", htmlForm.isLogin)
		resp, err := b.submit(page, f, f.values(map[string]string{"username": "alice", "password": "wrong"}, nil))
		wantNoProgress(t, b, resp, err)
	})

	t.Run("consent with a forged csrf_token", func(t *testing.T) {
		b, page, f, _ := pageForm(t, "admin", htmlForm.isConsent)
		v := f.values(nil, allow)
		if !v.Has("csrf_token") {
			t.Fatalf("consent form has no csrf_token field: %v", v)
		}
		v.Set("csrf_token", "forged")
		resp, err := b.submit(page, f, v)
		wantNoProgress(t, b, resp, err)
	})

	t.Run("consent without csrf_token", func(t *testing.T) {
		b, page, f, _ := pageForm(t, "admin", htmlForm.isConsent)
		v := f.values(nil, allow)
		v.Del("csrf_token")
		resp, err := b.submit(page, f, v)
		wantNoProgress(t, b, resp, err)
	})

	t.Run("consent form submitted from another browser", func(t *testing.T) {
		_, page, f, _ := pageForm(t, "bob", htmlForm.isConsent)
		attacker, _, _, _ := pageForm(t, "admin", htmlForm.isConsent)
		resp, err := attacker.submit(page, f, f.values(nil, allow))
		wantNoProgress(t, attacker, resp, err)
	})

	t.Run("login form submitted from another browser", func(t *testing.T) {
		_, page, f, _ := pageForm(t, "", htmlForm.isLogin)
		victim := newBrowser(t, s)
		resp, err := victim.submit(page, f, f.values(map[string]string{"username": "bob", "password": demoPassword}, nil))
		wantNoProgress(t, victim, resp, err)
	})
}
