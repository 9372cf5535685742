package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAuthorizationCodeFlowWithLoginAndConsent(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := newBrowser(t, s)
	conf := s.demoConfig(t, "read", "write")

	req := s.newAuthRequest(conf)
	o := b.authorize(t, req.URL, "alice", "allow")
	code := s.wantCode(t, o, conf.RedirectURL, req.State)
	if len(o.Pages) != 2 {
		t.Errorf("a first authorization shows a login and a consent page, got %d pages\n%s", len(o.Pages), o)
	}
	tok, tokenEx := s.exchangeCode(t, conf, code, req.Verifier)

	t.Run("token response", func(t *testing.T) {
		if !strings.EqualFold(tok.TokenType, "Bearer") {
			t.Errorf("token_type = %q, want Bearer", tok.TokenType)
		}
		if tok.RefreshToken == "" {
			t.Error("no refresh_token")
		}
		if got, _ := tok.Extra("expires_in").(float64); got != 900 {
			t.Errorf("expires_in = %v, want 900", tok.Extra("expires_in"))
		}
		if cc := tokenEx.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("Cache-Control = %q, want no-store\n%s", cc, tokenEx)
		}
		c := s.verifyAccessToken(t, tok.AccessToken)
		want := accessClaims{
			Subject:  "alice",
			ClientID: demoClientID,
			Scope:    sortedScopes("read", "write"),
			Audience: []string{s.Resource},
			KeyID:    c.KeyID,
			Lifetime: 15 * time.Minute,
		}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("access token claims (-want +got):\n%s", diff)
		}
	})

	t.Run("introspection", func(t *testing.T) {
		got := s.introspect(t, tok.AccessToken)
		if got["active"] != true || got["sub"] != "alice" || got["client_id"] != demoClientID {
			t.Errorf("introspect = %v, want active alice via %s", got, demoClientID)
		}
		if diff := cmp.Diff(sortedScopes("read", "write"), scopeSet(got["scope"])); diff != "" {
			t.Errorf("introspected scope (-want +got):\n%s", diff)
		}
		if !slices.Contains(audiences(got["aud"]), s.Resource) {
			t.Errorf("introspected aud = %v, want %q", got["aud"], s.Resource)
		}
		s.wantActive(t, "garbage", false)
		s.wantActive(t, tok.RefreshToken+"x", false)
		anonymous := s.postForm(t, "/auth/introspect", url.Values{"token": {tok.AccessToken}}, clientAuth{})
		if anonymous.Status != http.StatusUnauthorized {
			t.Errorf("introspection without client authentication: want 401\n%s", anonymous)
		}
	})

	t.Run("login and consent pages resist framing and keep cookies from scripts", func(t *testing.T) {
		for _, page := range o.Pages {
			xfo := page.Header.Get("X-Frame-Options")
			csp := page.Header.Get("Content-Security-Policy")
			if !strings.EqualFold(xfo, "DENY") && !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: X-Frame-Options %q, CSP %q: want DENY or frame-ancestors 'none'", page.URL, xfo, csp)
			}
		}
		cookies := b.setCookies(t)
		if len(cookies) == 0 {
			t.Error("no cookie set during login and consent")
		}
		for _, c := range cookies {
			if c.MaxAge < 0 || c.Value == "" {
				continue // a deletion
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Errorf("cookie %s: HttpOnly %v, SameSite %v; want HttpOnly, SameSite=Lax (%s)", c.Name, c.HttpOnly, c.SameSite, c.Raw)
			}
		}
	})

	t.Run("second authorization skips login and consent", func(t *testing.T) {
		req := s.newAuthRequest(conf)
		o := b.authorize(t, req.URL, "", "")
		code := s.wantCode(t, o, conf.RedirectURL, req.State)
		tok2, _ := s.exchangeCode(t, conf, code, req.Verifier)
		if c := s.verifyAccessToken(t, tok2.AccessToken); c.Subject != "alice" {
			t.Errorf("sub = %q, want alice", c.Subject)
		}
	})

	t.Run("consent covers only the scopes granted", func(t *testing.T) {
		// admin has consented to nothing yet on this server.
		b := newBrowser(t, s)
		s.login(t, b, s.demoConfig(t, "read"), "admin")
		wider := s.demoConfig(t, "read", "write")
		req := s.newAuthRequest(wider)
		o := b.authorize(t, req.URL, "", "allow")
		s.wantCode(t, o, wider.RedirectURL, req.State)
		if len(o.Pages) != 1 || !strings.Contains(o.Pages[0].Body, "decision") {
			t.Errorf("want exactly one page, the consent page, for the new scope write\n%s", o)
		}
	})
}
