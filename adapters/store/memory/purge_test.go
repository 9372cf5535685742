package memory

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"gatehouse/domain"
)

func TestPurgeDropsOnlyLongExpiredRecords(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New()

	// Records expired well before the purge's cutoff, inside the grace
	// period, and live; plus records that never expire by time.
	gone, grace, live := t0.Add(time.Minute), t0.Add(time.Hour-purgeGrace/2), t0.Add(2*time.Hour)
	for name, exp := range map[string]time.Time{"gone": gone, "grace": grace, "live": live} {
		mustNil(t, s.CreateGrant(ctx, domain.Grant{ID: name, ExpiresAt: exp}))
		mustNil(t, s.SaveAuthCode(ctx, domain.AuthCode{Hash: name, ExpiresAt: exp}))
		mustNil(t, s.SaveRefreshToken(ctx, domain.RefreshToken{Hash: name, ExpiresAt: exp}))
		mustNil(t, s.Revoke(ctx, name, exp))
		mustNil(t, s.SaveAuthRequest(ctx, domain.AuthRequest{ID: name, ExpiresAt: exp}))
		mustNil(t, s.CreateSession(ctx, domain.Session{IDHash: name, ExpiresAt: exp}, 0, t0))
	}
	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
	mustNil(t, s.SaveConsent(ctx, domain.Consent{Subject: "alice", ClientID: "c1"}))
	mustNil(t, s.AddKey(ctx, domain.SigningKey{ID: "k1", ExpiresAt: gone}))

	// A caller at t0+1h makes the next purge cut off at t0+1h-grace.
	if _, err := s.AnyRevoked(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range minPurgeInterval {
		mustNil(t, s.Revoke(ctx, fmt.Sprintf("filler-%d", i), live))
	}

	for _, m := range []struct {
		name string
		keys func() []string
	}{
		{"grants", func() []string { return keysOf(s.grants) }},
		{"codes", func() []string { return keysOf(s.codes) }},
		{"refresh", func() []string { return keysOf(s.refresh) }},
		{"auth requests", func() []string { return keysOf(s.authRequests) }},
		{"sessions", func() []string { return keysOf(s.sessions) }},
	} {
		if got := m.keys(); len(got) != 2 || slices.Contains(got, "gone") {
			t.Errorf("%s after purge = %q, want grace and live only", m.name, got)
		}
	}
	if _, ok := s.revoked["gone"]; ok {
		t.Error("revocation expired before the cutoff survived the purge")
	}
	if _, ok := s.revoked["grace"]; !ok {
		t.Error("revocation inside the grace period was purged")
	}
	if len(s.clients) != 1 || len(s.consents) != 1 || len(s.keys) != 1 {
		t.Errorf("purge dropped records that do not expire: %d clients, %d consents, %d keys",
			len(s.clients), len(s.consents), len(s.keys))
	}
}

func TestPurgeWaitsForEnoughWrites(t *testing.T) {
	ctx := t.Context()
	t0 := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	s := New()
	mustNil(t, s.SaveAuthRequest(ctx, domain.AuthRequest{ID: "old", ExpiresAt: t0}))
	if _, err := s.AnyRevoked(ctx, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range minPurgeInterval - 2 {
		mustNil(t, s.Revoke(ctx, fmt.Sprintf("k%d", i), t0.Add(2*time.Hour)))
	}
	if _, ok := s.authRequests["old"]; !ok {
		t.Fatalf("purged after %d writes, want none before %d", minPurgeInterval-1, minPurgeInterval)
	}
	mustNil(t, s.Revoke(ctx, "last", t0.Add(2*time.Hour)))
	if _, ok := s.authRequests["old"]; ok {
		t.Fatalf("not purged after %d writes", minPurgeInterval)
	}
	if want := max(minPurgeInterval, s.expiringRecords()); s.purge.next != want {
		t.Errorf("next purge after %d writes, want %d", s.purge.next, want)
	}
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func keysOf[V any](m map[string]V) []string { return slices.Collect(maps.Keys(m)) }
