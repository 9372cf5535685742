package app_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/audit"
	"gatehouse/adapters/store/memory"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

const accountsAccessTTL = 5 * time.Minute

type accountsFixture struct {
	acc   *app.Accounts
	store *memory.Store
	ring  *audit.Ring
	clock *fakeClock
}

func newAccounts(t *testing.T) accountsFixture {
	t.Helper()
	clock := newFakeClock()
	store := memory.New()
	ring := audit.NewRing(16, nil)
	st := store.Stores()
	acc := &app.Accounts{
		Clients: st.Clients, Grants: st.Grants, Revocations: st.Revocations, Sessions: st.Sessions,
		Audit: ring, AccessTokenTTL: accountsAccessTTL, Clock: clock.Now,
	}
	for _, c := range testClients() {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatalf("seed client %s: %v", c.ID, err)
		}
	}
	return accountsFixture{acc: acc, store: store, ring: ring, clock: clock}
}

// mustGrant stores an active grant of subject's.
func (f accountsFixture) mustGrant(t *testing.T, id, subject string) domain.Grant {
	t.Helper()
	now := f.clock.Now()
	g := domain.Grant{
		ID: id, ClientID: publicID, Subject: subject, Scopes: domain.ParseScopes("read"),
		CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour),
	}
	if err := f.store.CreateGrant(t.Context(), g); err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	return g
}

func (f accountsFixture) tokensDenied(t *testing.T, grantID string, at time.Time) bool {
	t.Helper()
	denied, err := f.store.AnyRevoked(t.Context(), at, app.GrantRevocationKey(grantID))
	if err != nil {
		t.Fatalf("AnyRevoked: %v", err)
	}
	return denied
}

func TestRevokeGrant(t *testing.T) {
	tests := []struct {
		name       string
		caller     domain.Principal
		owner      string
		asAdmin    bool
		wantRevoke bool
	}{
		{"owner revokes own grant", alice, "alice", false, true},
		{"non-admin cannot revoke another's grant", bob, "alice", false, false},
		{"admin revokes anyone's grant", bob, "alice", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newAccounts(t)
			f.mustGrant(t, "g1", tt.owner)
			now := f.clock.Now()
			got, err := f.acc.RevokeGrant(t.Context(), tt.caller, "g1", tt.asAdmin)
			if !tt.wantRevoke {
				if !errors.Is(err, ports.ErrNotFound) {
					t.Fatalf("RevokeGrant = %v, want ports.ErrNotFound", err)
				}
				stored, err := f.store.GetGrant(t.Context(), "g1", now)
				if err != nil || !stored.Active(now) {
					t.Fatalf("grant after a refused revoke: %+v, %v; want active", stored, err)
				}
				if f.tokensDenied(t, "g1", now) {
					t.Error("a refused revoke put the grant's tokens on the revocation list")
				}
				return
			}
			if err != nil {
				t.Fatalf("RevokeGrant: %v", err)
			}
			if !got.RevokedAt.Equal(now) || got.ID != "g1" {
				t.Errorf("returned grant %+v, want g1 revoked at %v", got, now)
			}
			stored, err := f.store.GetGrant(t.Context(), "g1", now)
			if err != nil {
				t.Fatalf("GetGrant: %v", err)
			}
			if stored.Active(now) {
				t.Errorf("stored grant still active: %+v", stored)
			}
			// An access token issued just before the revocation lives for
			// AccessTokenTTL and a verifier tolerates 5 minutes of skew.
			lastValid := now.Add(accountsAccessTTL + 5*time.Minute)
			for _, at := range []time.Time{now, now.Add(accountsAccessTTL), lastValid} {
				if !f.tokensDenied(t, "g1", at) {
					t.Errorf("grant's access tokens not denied at now+%v", at.Sub(now))
				}
			}
			if f.tokensDenied(t, "g1", now.Add(accountsAccessTTL+app.RevocationMargin)) {
				t.Error("grant still on the revocation list after its margin; it should lapse")
			}
		})
	}
}

func TestRevokeGrantMissing(t *testing.T) {
	f := newAccounts(t)
	_, err := f.acc.RevokeGrant(t.Context(), alice, "no-such-grant", true)
	if !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("RevokeGrant = %v, want ports.ErrNotFound", err)
	}
}

func TestAccountsWithoutGrants(t *testing.T) {
	f := newAccounts(t)
	f.acc.Grants = nil
	if _, err := f.acc.ListGrants(t.Context(), "alice"); !errors.Is(err, app.ErrNoGrants) {
		t.Errorf("ListGrants = %v, want ErrNoGrants", err)
	}
	if _, err := f.acc.RevokeGrant(t.Context(), alice, "g1", true); !errors.Is(err, app.ErrNoGrants) {
		t.Errorf("RevokeGrant = %v, want ErrNoGrants", err)
	}
}

func TestListGrantsShowsOnlyTheSubjectsActiveGrants(t *testing.T) {
	f := newAccounts(t)
	f.mustGrant(t, "a1", "alice")
	f.clock.Advance(time.Second)
	f.mustGrant(t, "a2", "alice")
	f.mustGrant(t, "b1", "bob")
	if _, err := f.acc.RevokeGrant(t.Context(), alice, "a1", false); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	got, err := f.acc.ListGrants(t.Context(), "alice")
	if err != nil {
		t.Fatalf("ListGrants: %v", err)
	}
	var ids []string
	for _, g := range got {
		ids = append(ids, g.ID)
	}
	if diff := cmp.Diff([]string{"a2"}, ids); diff != "" {
		t.Errorf("alice's grants (-want +got):\n%s", diff)
	}
}

func TestRecentInvocationsNewestFirst(t *testing.T) {
	f := newAccounts(t)
	for _, tool := range []string{"first", "second", "third"} {
		if err := f.ring.RecordInvocation(t.Context(), domain.ToolInvocation{At: f.clock.Now(), Tool: tool, Outcome: "ok"}); err != nil {
			t.Fatalf("RecordInvocation: %v", err)
		}
		f.clock.Advance(time.Second)
	}
	tests := []struct {
		name  string
		limit int
		want  []string
	}{
		{"all", 0, []string{"third", "second", "first"}},
		{"newest two", 2, []string{"third", "second"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.acc.RecentInvocations(t.Context(), tt.limit)
			if err != nil {
				t.Fatalf("RecentInvocations: %v", err)
			}
			var tools []string
			for _, inv := range got {
				tools = append(tools, inv.Tool)
			}
			if diff := cmp.Diff(tt.want, tools); diff != "" {
				t.Errorf("tools (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("no audit reader", func(t *testing.T) {
		f.acc.Audit = nil
		got, err := f.acc.RecentInvocations(t.Context(), 10)
		if err != nil || got != nil {
			t.Errorf("RecentInvocations = %v, %v; want nil, nil", got, err)
		}
	})
}

func TestAccountsClientsAndSessions(t *testing.T) {
	f := newAccounts(t)
	clients, err := f.acc.ListClients(t.Context())
	if err != nil {
		t.Fatalf("ListClients: %v", err)
	}
	if len(clients) != len(testClients()) {
		t.Errorf("ListClients returned %d clients, want %d", len(clients), len(testClients()))
	}

	sessions := &app.Sessions{Config: app.SessionConfig{TTL: time.Hour}, Store: f.store, Clock: f.clock.Now}
	id, _, err := sessions.Create(t.Context(), alice)
	if err != nil {
		t.Fatalf("Create session: %v", err)
	}
	listed, err := f.acc.ListSessions(t.Context(), "alice", domain.SessionMCP)
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	if len(listed) != 1 || listed[0].IDHash != domain.HashSecret(id) {
		t.Fatalf("ListSessions = %+v, want alice's one session", listed)
	}
	if err := f.acc.RevokeSession(t.Context(), listed[0].IDHash); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if _, err := sessions.Use(t.Context(), alice, id); !errors.Is(err, app.ErrNoSession) {
		t.Errorf("Use after RevokeSession = %v, want ErrNoSession", err)
	}
	if err := f.acc.RevokeSession(t.Context(), listed[0].IDHash); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("second RevokeSession = %v, want ports.ErrNotFound", err)
	}
}
