package app_test

import (
	"context"
	"testing"
	"time"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

func TestRefreshRotates(t *testing.T) {
	h := newHarness(t)
	first := h.tokensFor(t, publicID, "alice", "read write")
	h.clock.Advance(time.Minute)
	second, err := h.refresh(t, publicID, first.RefreshToken, "")
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Errorf("refresh token was not rotated: %q", second.RefreshToken)
	}
	if second.AccessToken == first.AccessToken || second.Scope != "read write" {
		t.Errorf("response = %+v, want a new access token for %q", second, "read write")
	}
	a, b := h.mustClaims(t, first.AccessToken), h.mustClaims(t, second.AccessToken)
	if a.GrantID != b.GrantID || a.Subject != b.Subject || a.TokenID == b.TokenID {
		t.Errorf("claims %+v and %+v: want one grant and subject, two token ids", a, b)
	}
	if !b.IssuedAt.Equal(h.clock.Now()) {
		t.Errorf("IssuedAt = %v, want %v", b.IssuedAt, h.clock.Now())
	}
	third, err := h.refresh(t, publicID, second.RefreshToken, "")
	if err != nil {
		t.Fatalf("refresh the rotated-in token: %v", err)
	}
	if third.RefreshToken == second.RefreshToken {
		t.Error("second rotation returned the same refresh token")
	}
}

// Presenting a rotated refresh token revokes the whole family
// (RFC 9700 §4.14.2).
func TestRefreshReuseRevokesTheFamily(t *testing.T) {
	h := newHarness(t)
	first := h.tokensFor(t, publicID, "alice", "read")
	second, err := h.refresh(t, publicID, first.RefreshToken, "")
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	_, err = h.refresh(t, publicID, first.RefreshToken, "")
	wantCode(t, err, domain.CodeInvalidGrant)

	_, err = h.refresh(t, publicID, second.RefreshToken, "")
	wantCode(t, err, domain.CodeInvalidGrant)
	for name, tok := range map[string]string{"first": first.AccessToken, "second": second.AccessToken} {
		if _, err := h.authenticator().Authenticate(t.Context(), tok); err == nil {
			t.Errorf("%s access token still authenticates after reuse", name)
		}
	}
	// Other families are untouched.
	other := h.tokensFor(t, publicID, "alice", "read")
	if _, err := h.refresh(t, publicID, other.RefreshToken, ""); err != nil {
		t.Errorf("refresh of an unrelated grant: %v", err)
	}
}

func TestRefreshScope(t *testing.T) {
	h := newHarness(t)
	first := h.tokensFor(t, publicID, "alice", "read write")

	narrow, err := h.refresh(t, publicID, first.RefreshToken, "read")
	if err != nil {
		t.Fatalf("narrowing refresh: %v", err)
	}
	if narrow.Scope != "read" || h.mustClaims(t, narrow.AccessToken).Scopes.String() != "read" {
		t.Errorf("narrowed scope = %q, want %q", narrow.Scope, "read")
	}
	// The refresh token keeps the grant's scope (RFC 6749 §6).
	full, err := h.refresh(t, publicID, narrow.RefreshToken, "")
	if err != nil {
		t.Fatalf("refresh after narrowing: %v", err)
	}
	if full.Scope != "read write" {
		t.Errorf("scope after narrowing = %q, want the grant's %q", full.Scope, "read write")
	}

	_, err = h.refresh(t, publicID, full.RefreshToken, "read admin")
	wantCode(t, err, domain.CodeInvalidScope)
	// A refused request does not use the token up.
	if _, err := h.refresh(t, publicID, full.RefreshToken, ""); err != nil {
		t.Errorf("refresh after a refused widening: %v", err)
	}
}

func TestRefreshWideningBeyondConsentIsRefused(t *testing.T) {
	h := newHarness(t)
	first := h.tokensFor(t, publicID, "alice", "read")
	_, err := h.refresh(t, publicID, first.RefreshToken, "read write")
	wantCode(t, err, domain.CodeInvalidScope)
}

func TestRefreshFailures(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(r *app.TokenRequest)
		before func(h *harness)
		code   string
	}{
		{"after RefreshTokenTTL", func(*app.TokenRequest) {}, func(h *harness) { h.clock.Advance(h.cfg.RefreshTokenTTL + time.Second) }, domain.CodeInvalidGrant},
		{"at RefreshTokenTTL", func(*app.TokenRequest) {}, func(h *harness) { h.clock.Advance(h.cfg.RefreshTokenTTL) }, domain.CodeInvalidGrant},
		{"unknown token", func(r *app.TokenRequest) { r.RefreshToken = "not-a-token" }, nil, domain.CodeInvalidGrant},
		{"missing token", func(r *app.TokenRequest) { r.RefreshToken = "" }, nil, domain.CodeInvalidRequest},
		{"another client", func(r *app.TokenRequest) { r.Client = creds(otherID) }, nil, domain.CodeInvalidGrant},
		{"another resource", func(r *app.TokenRequest) { r.Resource = "https://mcp.example/other" }, nil, domain.CodeInvalidTarget},
		{"access token as refresh token", nil, nil, domain.CodeInvalidGrant},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tok := h.tokensFor(t, publicID, "alice", "read")
			r := app.TokenRequest{Client: creds(publicID), GrantType: domain.GrantRefreshToken, RefreshToken: tok.RefreshToken}
			if tt.edit != nil {
				tt.edit(&r)
			} else {
				r.RefreshToken = tok.AccessToken
			}
			if tt.before != nil {
				tt.before(h)
			}
			_, err := h.srv.Token(t.Context(), r)
			wantCode(t, err, tt.code)
		})
	}
}

func TestRefreshJustBeforeExpiry(t *testing.T) {
	h := newHarness(t)
	tok := h.tokensFor(t, publicID, "alice", "read")
	h.clock.Advance(h.cfg.RefreshTokenTTL - time.Second)
	if _, err := h.refresh(t, publicID, tok.RefreshToken, ""); err != nil {
		t.Errorf("refresh a second before expiry: %v", err)
	}
}

func TestRefreshWithTheGrantsResource(t *testing.T) {
	h := newHarness(t)
	tok := h.tokensFor(t, publicID, "alice", "read")
	resp, err := h.srv.Token(t.Context(), app.TokenRequest{
		Client: creds(publicID), GrantType: domain.GrantRefreshToken, RefreshToken: tok.RefreshToken, Resource: "HTTPS://mcp.example/mcp",
	})
	if err != nil {
		t.Fatalf("refresh naming the grant's resource: %v", err)
	}
	if aud := h.mustClaims(t, resp.AccessToken).Audience; len(aud) != 1 || aud[0] != testResource {
		t.Errorf("audience = %q, want [%q]", aud, testResource)
	}
}

// switchableUsers lets a test change a user after tokens were issued.
type switchableUsers struct {
	ports.UserStore
	override map[string]*domain.User // nil value: the user is gone
}

func (u *switchableUsers) GetUser(ctx context.Context, name string) (domain.User, error) {
	if o, ok := u.override[name]; ok {
		if o == nil {
			return domain.User{}, ports.ErrNotFound
		}
		return *o, nil
	}
	return u.UserStore.GetUser(ctx, name)
}

// A refresh never mints more than the user holds now: a user who lost a
// scope gets tokens without it, and a removed user's grants stop working.
func TestRefreshFollowsTheUsersCurrentScopes(t *testing.T) {
	users := &switchableUsers{override: map[string]*domain.User{}}
	h := newHarness(t, func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		users.UserStore = d.Users
		d.Users = users
	})
	tok := h.tokensFor(t, publicID, "alice", "read write")
	users.override["alice"] = &domain.User{Username: "alice", Scopes: domain.NewScopes("read")}
	next, err := h.refresh(t, publicID, tok.RefreshToken, "")
	if err != nil {
		t.Fatalf("refresh after losing write: %v", err)
	}
	if next.Scope != "read" {
		t.Errorf("scope after the user lost write = %q, want read", next.Scope)
	}
	users.override["alice"] = nil
	_, err = h.refresh(t, publicID, next.RefreshToken, "")
	wantCode(t, err, domain.CodeInvalidGrant)
}

// Within the grace period a just-rotated refresh token may be presented once
// more and gets the same successor (replicas racing); a second retry, or one
// after the period, is reuse and revokes the family.
func TestRefreshGracePeriod(t *testing.T) {
	grace := func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.RefreshGrace = 5 * time.Second }

	t.Run("retry gets the same successor", func(t *testing.T) {
		h := newHarness(t, grace)
		first := h.tokensFor(t, publicID, "alice", "read")
		second, err := h.refresh(t, publicID, first.RefreshToken, "")
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		h.clock.Advance(2 * time.Second)
		retry, err := h.refresh(t, publicID, first.RefreshToken, "")
		if err != nil {
			t.Fatalf("retry within grace: %v", err)
		}
		if retry.RefreshToken != second.RefreshToken {
			t.Error("retry within grace got a different refresh token than the first rotation")
		}
		if retry.AccessToken == "" || retry.AccessToken == second.AccessToken {
			t.Error("retry within grace must carry a fresh access token")
		}
		if _, err := h.refresh(t, publicID, retry.RefreshToken, ""); err != nil {
			t.Errorf("the shared successor does not rotate: %v", err)
		}
	})
	t.Run("second retry is reuse", func(t *testing.T) {
		h := newHarness(t, grace)
		first := h.tokensFor(t, publicID, "alice", "read")
		second, err := h.refresh(t, publicID, first.RefreshToken, "")
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if _, err := h.refresh(t, publicID, first.RefreshToken, ""); err != nil {
			t.Fatalf("retry within grace: %v", err)
		}
		_, err = h.refresh(t, publicID, first.RefreshToken, "")
		wantCode(t, err, domain.CodeInvalidGrant)
		_, err = h.refresh(t, publicID, second.RefreshToken, "")
		wantCode(t, err, domain.CodeInvalidGrant)
	})
	t.Run("after the period is reuse", func(t *testing.T) {
		h := newHarness(t, grace)
		first := h.tokensFor(t, publicID, "alice", "read")
		second, err := h.refresh(t, publicID, first.RefreshToken, "")
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		h.clock.Advance(6 * time.Second)
		_, err = h.refresh(t, publicID, first.RefreshToken, "")
		wantCode(t, err, domain.CodeInvalidGrant)
		_, err = h.refresh(t, publicID, second.RefreshToken, "")
		wantCode(t, err, domain.CodeInvalidGrant)
	})
}

// A sealed successor opens only with the token it was sealed under.
func TestSealedSuccessorOpensOnlyWithItsToken(t *testing.T) {
	sealed := app.SealSuccessorForTest("old-token", "next-token")
	if got, err := app.OpenSuccessorForTest("old-token", sealed); err != nil || got != "next-token" {
		t.Fatalf("open with the right token = %q, %v", got, err)
	}
	if _, err := app.OpenSuccessorForTest("other-token", sealed); err == nil {
		t.Error("a sealed successor opened with another token")
	}
	if _, err := app.OpenSuccessorForTest("old-token", sealed[:5]); err == nil {
		t.Error("a truncated sealed successor opened")
	}
}
