package storetest

import (
	"testing"
	"time"

	"gatehouse/ports"
)

// anyRevoked asserts what AnyRevoked answers for keys at now.
func anyRevoked(t *testing.T, s ports.RevocationList, now time.Time, want bool, keys ...string) {
	t.Helper()
	got, err := s.AnyRevoked(t.Context(), now, keys...)
	check(t, "AnyRevoked", err, nil)
	if got != want {
		t.Fatalf("AnyRevoked(%v, %q) = %v, want %v", now, keys, got, want)
	}
}

// testRevocationAnyRevoked: AnyRevoked is true when any of the keys is
// revoked, false when none is, and false for no keys at all.
func testRevocationAnyRevoked(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Revocations
	now := base()
	anyRevoked(t, s, now, false, "jti:1", "grant:g1")

	check(t, "Revoke", s.Revoke(ctx, "grant:g1", at(time.Hour)), nil)
	anyRevoked(t, s, now, true, "jti:1", "grant:g1")
	anyRevoked(t, s, now, true, "grant:g1")
	anyRevoked(t, s, now, false, "jti:1", "grant:g2")
	anyRevoked(t, s, now, false)
}

// testRevocationExpiry: a key stays revoked until the given time and no
// longer: at until it is forgotten.
func testRevocationExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Revocations
	until := at(time.Hour)
	check(t, "Revoke", s.Revoke(ctx, "jti:1", until), nil)
	anyRevoked(t, s, until.Add(-time.Millisecond), true, "jti:1")
	anyRevoked(t, s, until, false, "jti:1")
	anyRevoked(t, s, until.Add(time.Hour), false, "jti:1")
}

// testRevocationIdempotent: revoking a revoked key again is no error and
// keeps it revoked.
func testRevocationIdempotent(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Revocations
	until := at(time.Hour)
	for range 2 {
		check(t, "Revoke", s.Revoke(ctx, "jti:1", until), nil)
	}
	anyRevoked(t, s, base(), true, "jti:1")
	anyRevoked(t, s, until, false, "jti:1")
}
