package account_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAdminClientsListHidesSecrets(t *testing.T) {
	cs := connect(t, newFixture(t).acc, as(admin))
	res := call(t, cs, "admin_clients_list", nil)
	raw, _ := json.Marshal(res)
	if strings.Contains(string(raw), secretHash) || strings.Contains(strings.ToLower(string(raw)), "secret_hash") {
		t.Fatalf("client listing exposes the secret hash: %s", raw)
	}
	type client struct {
		ID           string   `json:"id"`
		Name         string   `json:"name"`
		RedirectURIs []string `json:"redirect_uris"`
		GrantTypes   []string `json:"grant_types"`
		AuthMethod   string   `json:"auth_method"`
		Scopes       []string `json:"scopes"`
		CreatedAt    string   `json:"created_at"`
	}
	got := decode[struct {
		Clients []client `json:"clients"`
	}](t, res)
	want := []client{
		{ID: "demo-public", Name: "Demo", RedirectURIs: []string{"http://localhost:3000/callback"},
			GrantTypes: []string{"authorization_code", "refresh_token"}, AuthMethod: "none",
			Scopes: []string{"read", "write"}, CreatedAt: "2026-11-20T10:00:00Z"},
		{ID: "demo-service", Name: "Service", RedirectURIs: []string{}, GrantTypes: []string{"client_credentials"},
			AuthMethod: "client_secret_basic", Scopes: []string{"read"}},
	}
	if diff := cmp.Diff(want, got.Clients); diff != "" {
		t.Errorf("clients mismatch (-want +got):\n%s", diff)
	}
}

type sessionJSON struct {
	IDHash  string `json:"id_hash"`
	Kind    string `json:"kind"`
	Subject string `json:"subject"`
}

func TestAdminSessionsList(t *testing.T) {
	tests := []struct {
		name      string
		args      map[string]any
		want      []sessionJSON
		wantError string
	}{
		{"mcp by default", map[string]any{"subject": "alice"}, []sessionJSON{{"hash-alice-mcp", "mcp", "alice"}}, ""},
		{"browser", map[string]any{"subject": "alice", "kind": "browser"}, []sessionJSON{{"hash-alice-browser", "browser", "alice"}}, ""},
		{"another user", map[string]any{"subject": "bob"}, []sessionJSON{{"hash-bob-mcp", "mcp", "bob"}}, ""},
		{"nobody", map[string]any{"subject": "carol"}, []sessionJSON{}, ""},
		{"unknown kind", map[string]any{"subject": "alice", "kind": "tv"}, nil, `kind must be "mcp" or "browser"`},
		{"no subject", map[string]any{"subject": ""}, nil, "subject is required"},
	}
	cs := connect(t, newFixture(t).acc, as(admin))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := call(t, cs, "admin_sessions_list", tt.args)
			if tt.wantError != "" {
				if !res.IsError || !strings.Contains(errorText(res), tt.wantError) {
					t.Errorf("got %q (IsError %v), want error %q", errorText(res), res.IsError, tt.wantError)
				}
				return
			}
			got := decode[struct {
				Sessions []sessionJSON `json:"sessions"`
			}](t, res)
			if diff := cmp.Diff(tt.want, got.Sessions); diff != "" {
				t.Errorf("sessions mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdminSessionsRevoke(t *testing.T) {
	f := newFixture(t)
	cs := connect(t, f.acc, as(admin))
	res := call(t, cs, "admin_sessions_revoke", map[string]any{"id_hash": "hash-bob-mcp"})
	if got := decode[struct {
		IDHash  string `json:"id_hash"`
		Revoked bool   `json:"revoked"`
	}](t, res); !got.Revoked || got.IDHash != "hash-bob-mcp" {
		t.Errorf("revoke = %+v, want hash-bob-mcp revoked", got)
	}
	if left, err := f.acc.ListSessions(t.Context(), "bob", "mcp"); err != nil || len(left) != 0 {
		t.Errorf("bob's sessions after revoke = %v, %v; want none", left, err)
	}
	for _, hash := range []string{"hash-bob-mcp", "nope"} {
		res := call(t, cs, "admin_sessions_revoke", map[string]any{"id_hash": hash})
		if !res.IsError || errorText(res) != "session not found" {
			t.Errorf("revoke %s = %q (IsError %v), want session not found", hash, errorText(res), res.IsError)
		}
	}
}

func TestAdminGrants(t *testing.T) {
	f := newFixture(t)
	cs := connect(t, f.acc, as(admin))
	list := func(subject string) []string {
		t.Helper()
		return grantIDs(decode[struct {
			Grants []grantJSON `json:"grants"`
		}](t, call(t, cs, "admin_grants_list", map[string]any{"subject": subject})).Grants)
	}
	if diff := cmp.Diff([]string{"g-bob-1"}, list("bob")); diff != "" {
		t.Errorf("bob's grants (-want +got):\n%s", diff)
	}
	res := call(t, cs, "admin_grants_revoke", map[string]any{"grant_id": "g-bob-1"})
	if got := decode[struct {
		Revoked grantJSON `json:"revoked"`
	}](t, res); got.Revoked.ID != "g-bob-1" || got.Revoked.Subject != "bob" {
		t.Errorf("admin revoke = %+v, want bob's g-bob-1", got)
	}
	if diff := cmp.Diff([]string{}, list("bob")); diff != "" {
		t.Errorf("bob's grants after revoke (-want +got):\n%s", diff)
	}
	res = call(t, cs, "admin_grants_revoke", map[string]any{"grant_id": "g-nope"})
	if !res.IsError || errorText(res) != "grant g-nope not found" {
		t.Errorf("revoke unknown = %q (IsError %v), want not found", errorText(res), res.IsError)
	}
}

func TestAdminAuditRecent(t *testing.T) {
	tests := []struct {
		name      string
		args      map[string]any
		wantLimit int
		wantN     int
		wantError string
	}{
		{"default", nil, 50, 3, ""},
		{"explicit", map[string]any{"limit": 2}, 2, 2, ""},
		{"capped", map[string]any{"limit": 10000}, 500, 3, ""},
		{"negative", map[string]any{"limit": -1}, 0, 0, "limit must be between 1 and 500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			cs := connect(t, f.acc, as(admin))
			res := call(t, cs, "admin_audit_recent", tt.args)
			if tt.wantError != "" {
				if !res.IsError || !strings.Contains(errorText(res), tt.wantError) {
					t.Errorf("got %q (IsError %v), want error %q", errorText(res), res.IsError, tt.wantError)
				}
				return
			}
			type inv struct {
				At         string         `json:"at"`
				Subject    string         `json:"subject"`
				Tool       string         `json:"tool"`
				Outcome    string         `json:"outcome"`
				DurationMS float64        `json:"duration_ms"`
				Arguments  map[string]any `json:"arguments"`
			}
			got := decode[struct {
				Invocations []inv `json:"invocations"`
			}](t, res)
			if f.audit.limitAsked() != tt.wantLimit {
				t.Errorf("limit asked = %d, want %d", f.audit.limitAsked(), tt.wantLimit)
			}
			if len(got.Invocations) != tt.wantN {
				t.Fatalf("got %d invocations, want %d", len(got.Invocations), tt.wantN)
			}
			want := inv{At: "2026-11-22T10:02:00Z", Subject: "bob", Tool: "whoami", Outcome: "ok", DurationMS: 1.5,
				Arguments: map[string]any{"x": "[redacted]"}}
			if diff := cmp.Diff(want, got.Invocations[0]); diff != "" {
				t.Errorf("newest invocation mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
