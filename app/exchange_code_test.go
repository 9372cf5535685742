package app_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestExchangeCode(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read write", pk), "alice")
	issuedAt := h.clock.Now()
	resp, err := h.srv.Token(t.Context(), app.TokenRequest{
		Client: creds(publicID), GrantType: domain.GrantAuthorizationCode, Code: code,
		CodeVerifier: pk.verifier, RedirectURI: publicRedirect, Resource: testResource, ResourceCount: 1,
	})
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if resp.TokenType != "Bearer" || resp.ExpiresIn != int64(h.cfg.AccessTokenTTL/time.Second) ||
		resp.Scope != "read write" || resp.RefreshToken == "" || resp.AccessToken == "" {
		t.Errorf("response = %+v, want a Bearer token for %v with scope %q and a refresh token",
			resp, h.cfg.AccessTokenTTL, "read write")
	}
	claims := h.mustClaims(t, resp.AccessToken)
	want := domain.AccessTokenClaims{
		Issuer: testIssuer, Subject: "alice", Audience: []string{testResource}, ClientID: publicID,
		Scopes: domain.ParseScopes("read write"), TokenID: claims.TokenID, GrantID: claims.GrantID,
		IssuedAt: issuedAt, ExpiresAt: issuedAt.Add(h.cfg.AccessTokenTTL),
	}
	if diff := cmp.Diff(want, claims); diff != "" {
		t.Errorf("claims mismatch (-want +got):\n%s", diff)
	}
	if claims.TokenID == "" || claims.GrantID == "" {
		t.Errorf("TokenID = %q, GrantID = %q, want both set", claims.TokenID, claims.GrantID)
	}
	p, err := h.authenticator().Authenticate(t.Context(), resp.AccessToken)
	if err != nil || p.Subject != "alice" {
		t.Errorf("Authenticate = (%+v, %v), want alice", p, err)
	}
}

func TestExchangeCodeFailures(t *testing.T) {
	tests := []struct {
		name string
		// edit changes the request; before runs first (to move the clock).
		edit   func(r *app.TokenRequest)
		before func(h *harness)
		code   string
	}{
		{"wrong verifier", func(r *app.TokenRequest) { r.CodeVerifier = otherVerifier }, nil, domain.CodeInvalidGrant},
		{"malformed verifier", func(r *app.TokenRequest) { r.CodeVerifier = "short" }, nil, domain.CodeInvalidGrant},
		{"missing verifier", func(r *app.TokenRequest) { r.CodeVerifier = "" }, nil, domain.CodeInvalidRequest},
		{"missing code", func(r *app.TokenRequest) { r.Code = "" }, nil, domain.CodeInvalidRequest},
		{"unknown code", func(r *app.TokenRequest) { r.Code = "not-a-code" }, nil, domain.CodeInvalidGrant},
		{"code for another client", func(r *app.TokenRequest) { r.Client = creds(otherID) }, nil, domain.CodeInvalidGrant},
		{"another redirect URI", func(r *app.TokenRequest) { r.RedirectURI = "http://127.0.0.1:9/callback" }, nil, domain.CodeInvalidGrant},
		{"redirect URI omitted though the request named it", func(r *app.TokenRequest) { r.RedirectURI = "" }, nil, domain.CodeInvalidGrant},
		{"another resource", func(r *app.TokenRequest) {
			r.Resource, r.ResourceCount = "https://mcp.example/other", 1
		}, nil, domain.CodeInvalidTarget},
		{"code expired", func(*app.TokenRequest) {}, func(h *harness) { h.clock.Advance(h.cfg.CodeTTL + time.Second) }, domain.CodeInvalidGrant},
		{"code expires at CodeTTL", func(*app.TokenRequest) {}, func(h *harness) { h.clock.Advance(h.cfg.CodeTTL) }, domain.CodeInvalidGrant},
		{"client without the grant", func(r *app.TokenRequest) { r.Client = creds(ccOnlyID) }, nil, domain.CodeUnauthorizedClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			pk := newPKCE(t)
			code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read", pk), "alice")
			r := app.TokenRequest{Client: creds(publicID), GrantType: domain.GrantAuthorizationCode, Code: code, CodeVerifier: pk.verifier,
				RedirectURI: publicRedirect}
			tt.edit(&r)
			if tt.before != nil {
				tt.before(h)
			}
			resp, err := h.srv.Token(t.Context(), r)
			wantCode(t, err, tt.code)
			if resp.AccessToken != "" || resp.RefreshToken != "" {
				t.Errorf("a failed exchange returned tokens: %+v", resp)
			}
		})
	}
}

// otherVerifier is well formed but belongs to no challenge.
const otherVerifier = "a-well-formed-but-different-code-verifier-0123456789"

func TestExchangeCodeJustBeforeExpiry(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read", pk), "alice")
	h.clock.Advance(h.cfg.CodeTTL - time.Second)
	if _, err := h.exchange(t, publicID, code, pk.verifier); err != nil {
		t.Errorf("exchange a second before expiry: %v", err)
	}
}

// A code presented twice revokes what its first redemption issued
// (OAuth 2.1 §4.1.3).
func TestExchangeCodeReplayRevokesTheGrant(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read", pk), "alice")
	first, err := h.exchange(t, publicID, code, pk.verifier)
	if err != nil {
		t.Fatalf("first exchange: %v", err)
	}
	_, err = h.exchange(t, publicID, code, pk.verifier)
	wantCode(t, err, domain.CodeInvalidGrant)

	_, err = h.refresh(t, publicID, first.RefreshToken, "")
	wantCode(t, err, domain.CodeInvalidGrant)
	_, err = h.authenticator().Authenticate(t.Context(), first.AccessToken)
	wantCode(t, err, domain.CodeInvalidToken)
}

func TestExchangeCodeFailedAttemptBurnsTheCode(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read", pk), "alice")
	_, err := h.exchange(t, publicID, code, otherVerifier)
	wantCode(t, err, domain.CodeInvalidGrant)
	_, err = h.exchange(t, publicID, code, pk.verifier)
	wantCode(t, err, domain.CodeInvalidGrant)
}

func TestExchangeCodeWithoutRefreshGrant(t *testing.T) {
	h := newHarness(t)
	resp := h.tokensFor(t, noRefreshID, "alice", "read")
	if resp.RefreshToken != "" {
		t.Errorf("client without the refresh_token grant got a refresh token")
	}
	if resp.AccessToken == "" {
		t.Error("no access token")
	}
}

func TestExchangeCodeConfidentialClient(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(confID, confRedirect, "read", pk), "alice")
	r := app.TokenRequest{Client: creds(confID), GrantType: domain.GrantAuthorizationCode, Code: code, CodeVerifier: pk.verifier,
		RedirectURI: confRedirect}
	r.Client.Secret = "wrong"
	_, err := h.srv.Token(t.Context(), r)
	wantCode(t, err, domain.CodeInvalidClient)
	r.Client.Secret = confSecret
	if _, err := h.srv.Token(t.Context(), r); err != nil {
		t.Errorf("exchange with the right secret after a refused attempt: %v", err)
	}
}

func TestExchangeCodeOfRevokedGrant(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(publicID, publicRedirect, "read", pk), "alice")
	grants, err := h.store.ListGrants(t.Context(), "alice", h.clock.Now())
	if err != nil || len(grants) != 1 {
		t.Fatalf("ListGrants = (%v, %v), want one grant", grants, err)
	}
	if err := h.store.RevokeGrant(t.Context(), grants[0].ID, h.clock.Now()); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	_, err = h.exchange(t, publicID, code, pk.verifier)
	wantCode(t, err, domain.CodeInvalidGrant)
}
