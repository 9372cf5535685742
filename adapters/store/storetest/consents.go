package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

func consent(subject, clientID string, scopes ...string) domain.Consent {
	return domain.Consent{
		Subject:   subject,
		ClientID:  clientID,
		Scopes:    domain.NewScopes(scopes...),
		GrantedAt: base(),
	}
}

// testConsentLifecycle: GetConsent gives ErrNotFound before any consent,
// SaveConsent creates then replaces, DeleteConsent forgets and is
// idempotent.
func testConsentLifecycle(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Consents

	_, err := s.GetConsent(ctx, "alice", "c1")
	check(t, "GetConsent(never consented)", err, ports.ErrNotFound)

	c := consent("alice", "c1", "read")
	check(t, "SaveConsent", s.SaveConsent(ctx, c), nil)
	got, err := s.GetConsent(ctx, "alice", "c1")
	check(t, "GetConsent", err, nil)
	same(t, "consent", c, got)

	wider := consent("alice", "c1", "read", "write")
	wider.GrantedAt = at(time.Hour)
	check(t, "SaveConsent(replace)", s.SaveConsent(ctx, wider), nil)
	got, err = s.GetConsent(ctx, "alice", "c1")
	check(t, "GetConsent(replaced)", err, nil)
	same(t, "replaced consent", wider, got)

	for range 2 {
		check(t, "DeleteConsent", s.DeleteConsent(ctx, "alice", "c1"), nil)
	}
	_, err = s.GetConsent(ctx, "alice", "c1")
	check(t, "GetConsent(deleted)", err, ports.ErrNotFound)
	check(t, "DeleteConsent(never consented)", s.DeleteConsent(ctx, "bob", "c9"), nil)
}

// testConsentKeyedBySubjectAndClient: a consent belongs to one (subject,
// client) pair; saving or deleting it touches no other pair.
func testConsentKeyedBySubjectAndClient(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Consents
	all := []domain.Consent{
		consent("alice", "c1", "read"),
		consent("alice", "c2", "write"),
		consent("bob", "c1", "admin"),
	}
	for _, c := range all {
		check(t, "SaveConsent", s.SaveConsent(ctx, c), nil)
	}
	for _, c := range all {
		got, err := s.GetConsent(ctx, c.Subject, c.ClientID)
		check(t, "GetConsent", err, nil)
		same(t, "consent of "+c.Subject+"/"+c.ClientID, c, got)
	}

	check(t, "DeleteConsent", s.DeleteConsent(ctx, "alice", "c1"), nil)
	for _, c := range all[1:] {
		got, err := s.GetConsent(ctx, c.Subject, c.ClientID)
		check(t, "GetConsent(after deleting another)", err, nil)
		same(t, "consent of "+c.Subject+"/"+c.ClientID, c, got)
	}
}
