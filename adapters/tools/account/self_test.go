package account_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
)

type grantJSON struct {
	ID        string   `json:"id"`
	ClientID  string   `json:"client_id"`
	Subject   string   `json:"subject"`
	Scopes    []string `json:"scopes"`
	CreatedAt string   `json:"created_at"`
	ExpiresAt string   `json:"expires_at"`
}

func grantIDs(gs []grantJSON) []string {
	ids := []string{}
	for _, g := range gs {
		ids = append(ids, g.ID)
	}
	return ids
}

func TestWhoami(t *testing.T) {
	type whoami struct {
		Subject   string   `json:"subject"`
		ClientID  string   `json:"client_id"`
		Scopes    []string `json:"scopes"`
		ExpiresAt string   `json:"expires_at"`
		Transport string   `json:"transport"`
	}
	tests := []struct {
		name   string
		caller app.Caller
		want   whoami
	}{
		{"alice over http", app.Caller{Principal: alice, Transport: app.TransportHTTP},
			whoami{"alice", "demo-public", []string{"read", "write"}, "2026-11-22T11:00:00Z", "http"}},
		{"admin over stdio", app.Caller{Principal: admin, Transport: app.TransportStdio},
			whoami{"admin", "demo-public", []string{"admin", "read", "write"}, "2026-11-22T11:00:00Z", "stdio"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := connect(t, newFixture(t).acc, &tt.caller)
			got := decode[whoami](t, call(t, cs, "whoami", nil))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("whoami mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGrantsListShowsOnlyOwnActiveGrants(t *testing.T) {
	cs := connect(t, newFixture(t).acc, as(alice))
	got := decode[struct {
		Grants []grantJSON `json:"grants"`
	}](t, call(t, cs, "grants_list", nil))
	want := []grantJSON{
		{ID: "g-alice-1", ClientID: "demo-public", Subject: "alice", Scopes: []string{"read", "write"},
			CreatedAt: "2026-11-22T08:00:00Z", ExpiresAt: "2026-12-22T08:00:00Z"},
		{ID: "g-alice-2", ClientID: "demo-public", Subject: "alice", Scopes: []string{"read", "write"},
			CreatedAt: "2026-11-22T09:00:00Z", ExpiresAt: "2026-12-22T09:00:00Z"},
	}
	if diff := cmp.Diff(want, got.Grants); diff != "" {
		t.Errorf("grants mismatch (-want +got):\n%s", diff)
	}
}

func TestGrantsRevoke(t *testing.T) {
	tests := []struct {
		name      string
		grantID   string
		wantError string // "" for success
	}{
		{"own grant", "g-alice-1", ""},
		{"another user's grant looks missing", "g-bob-1", "grant g-bob-1 not found"},
		{"unknown grant", "g-nope", "grant g-nope not found"},
		{"no id", "", "grant_id is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cs := connect(t, f.acc, as(alice))
			res := call(t, cs, "grants_revoke", map[string]any{"grant_id": tt.grantID})
			if tt.wantError != "" {
				if !res.IsError || !strings.Contains(errorText(res), tt.wantError) {
					t.Errorf("revoke %q = %q (IsError %v), want error %q", tt.grantID, errorText(res), res.IsError, tt.wantError)
				}
				bob, err := f.acc.ListGrants(t.Context(), "bob")
				if err != nil || len(bob) != 1 {
					t.Errorf("bob's grants after a refused revoke = %v, %v; want his one grant intact", bob, err)
				}
				return
			}
			got := decode[struct {
				Revoked grantJSON `json:"revoked"`
			}](t, res)
			if got.Revoked.ID != tt.grantID {
				t.Errorf("revoked %q, want %q", got.Revoked.ID, tt.grantID)
			}
			left := decode[struct {
				Grants []grantJSON `json:"grants"`
			}](t, call(t, cs, "grants_list", nil))
			if diff := cmp.Diff([]string{"g-alice-2"}, grantIDs(left.Grants)); diff != "" {
				t.Errorf("grants after revoke (-want +got):\n%s", diff)
			}
			denied, err := f.store.AnyRevoked(t.Context(), t0, app.GrantRevocationKey(tt.grantID))
			if err != nil || !denied {
				t.Errorf("grant's access tokens denied = %v, %v; want true", denied, err)
			}
		})
	}
}
