package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/domain"
	"gatehouse/ports"
)

// refresh returns a current refresh token of grant g1 that lives as long as
// the grant.
func refresh(hash string) domain.RefreshToken {
	return refreshOf(hash, "g1")
}

func refreshOf(hash, grantID string) domain.RefreshToken {
	return domain.RefreshToken{
		Hash:      hash,
		GrantID:   grantID,
		ClientID:  "c1",
		Scopes:    domain.NewScopes("read", "write"),
		ExpiresAt: base().Add(grantLife),
	}
}

// ignoreRotatedAt compares refresh tokens apart from the fields a rotation
// sets: the contract leaves open whether RotateRefreshToken returns the old
// record before or
// after marking it.
func ignoreRotatedAt() cmp.Option {
	return cmpopts.IgnoreFields(domain.RefreshToken{}, "RotatedAt", "Successor", "SealedSuccessor")
}

func mustSaveRefresh(t *testing.T, s ports.GrantStore, r domain.RefreshToken) {
	t.Helper()
	check(t, "SaveRefreshToken", s.SaveRefreshToken(t.Context(), r), nil)
}

// testRefreshSaveGet: SaveRefreshToken, ErrAlreadyExists for a taken hash,
// GetRefreshToken, and ErrNotFound if absent.
func testRefreshSaveGet(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)

	_, err := s.GetRefreshToken(ctx, "r1", base())
	check(t, "GetRefreshToken(missing)", err, ports.ErrNotFound)

	r := refresh("r1")
	mustSaveRefresh(t, s, r)
	dup := refresh("r1")
	dup.ClientID = "mallory"
	check(t, "SaveRefreshToken(duplicate)", s.SaveRefreshToken(ctx, dup), ports.ErrAlreadyExists)

	got, err := s.GetRefreshToken(ctx, r.Hash, at(time.Minute))
	check(t, "GetRefreshToken", err, nil)
	same(t, "refresh token", r, got)
}

// testRefreshExpiry: from ExpiresAt on, GetRefreshToken and
// RotateRefreshToken give ErrNotFound.
func testRefreshExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	r := refresh("r1")
	r.ExpiresAt = at(time.Hour)
	mustSaveRefresh(t, s, r)

	_, err := s.GetRefreshToken(ctx, r.Hash, r.ExpiresAt.Add(-time.Millisecond))
	check(t, "GetRefreshToken(just before expiry)", err, nil)
	_, err = s.GetRefreshToken(ctx, r.Hash, r.ExpiresAt)
	check(t, "GetRefreshToken(at expiry)", err, ports.ErrNotFound)
	_, err = s.RotateRefreshToken(ctx, r.Hash, ports.Rotation{Next: refresh("r2")}, r.ExpiresAt)
	check(t, "RotateRefreshToken(expired)", err, ports.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, "r2", r.ExpiresAt)
	check(t, "GetRefreshToken(next of a failed rotation)", err, ports.ErrNotFound)
}

// testRefreshRotate: RotateRefreshToken returns the old record, marks it
// rotated at now (GetRefreshToken still returns it) and stores next, which
// rotates in turn.
func testRefreshRotate(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	a, b, c := refresh("rA"), refresh("rB"), refresh("rC")
	mustSaveRefresh(t, s, a)

	rotatedAt := at(time.Minute)
	old, err := s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: b, SealedNext: []byte("sealed B")}, rotatedAt)
	check(t, "RotateRefreshToken(A→B)", err, nil)
	same(t, "old record of A→B", a, old, ignoreRotatedAt())

	wantA := a
	wantA.RotatedAt = rotatedAt
	wantA.Successor = b.Hash
	wantA.SealedSuccessor = []byte("sealed B")
	got, err := s.GetRefreshToken(ctx, a.Hash, at(2*time.Minute))
	check(t, "GetRefreshToken(A, rotated)", err, nil)
	same(t, "rotated A", wantA, got)
	got, err = s.GetRefreshToken(ctx, b.Hash, at(2*time.Minute))
	check(t, "GetRefreshToken(B)", err, nil)
	same(t, "B", b, got)

	old, err = s.RotateRefreshToken(ctx, b.Hash, ports.Rotation{Next: c}, at(3*time.Minute))
	check(t, "RotateRefreshToken(B→C)", err, nil)
	same(t, "old record of B→C", b, old, ignoreRotatedAt())

	g, err := s.GetGrant(ctx, "g1", at(4*time.Minute))
	check(t, "GetGrant", err, nil)
	if !g.RevokedAt.IsZero() {
		t.Fatalf("grant revoked at %v by plain rotations", g.RevokedAt)
	}
}

// testRefreshRotateUnknown: rotating an unknown hash gives ErrNotFound and
// stores nothing.
func testRefreshRotateUnknown(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	_, err := s.RotateRefreshToken(ctx, "no-such-hash", ports.Rotation{Next: refresh("r2")}, base())
	check(t, "RotateRefreshToken(unknown)", err, ports.ErrNotFound)
	_, err = s.GetRefreshToken(ctx, "r2", base())
	check(t, "GetRefreshToken(next of a failed rotation)", err, ports.ErrNotFound)
}

// testRefreshRotationReuse: presenting a rotated token again gives
// ErrRefreshReused (every time), revokes the grant before returning, stores
// nothing, and leaves the family's current token unusable.
func testRefreshRotationReuse(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	a, b := refresh("rA"), refresh("rB")
	mustSaveRefresh(t, s, a)
	_, err := s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: b}, at(time.Minute))
	check(t, "RotateRefreshToken(A→B)", err, nil)

	_, err = s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: refresh("rX")}, at(2*time.Minute))
	check(t, "RotateRefreshToken(A again)", err, ports.ErrRefreshReused)

	g, err := s.GetGrant(ctx, "g1", at(3*time.Minute))
	check(t, "GetGrant", err, nil)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked after refresh token reuse")
	}
	_, err = s.GetRefreshToken(ctx, "rX", at(3*time.Minute))
	check(t, "GetRefreshToken(next of a reuse)", err, ports.ErrNotFound)

	_, err = s.RotateRefreshToken(ctx, b.Hash, ports.Rotation{Next: refresh("rY")}, at(4*time.Minute))
	check(t, "RotateRefreshToken(B after reuse)", err, ports.ErrNotFound)
	_, err = s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: refresh("rZ")}, at(5*time.Minute))
	check(t, "RotateRefreshToken(A a third time)", err, ports.ErrRefreshReused)
}

// testRefreshGrantRevoked: RevokeGrant makes every refresh token of its
// family unusable (ErrNotFound) and leaves other families alone.
func testRefreshGrantRevoked(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	mustCreateGrant(t, s, grant("g2", "alice", base()))
	a, b := refresh("rA"), refresh("rB")
	mustSaveRefresh(t, s, a)
	mustSaveRefresh(t, s, refresh("rFresh"))
	mustSaveRefresh(t, s, refreshOf("rOther", "g2"))
	_, err := s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: b}, at(time.Minute))
	check(t, "RotateRefreshToken(A→B)", err, nil)

	check(t, "RevokeGrant", s.RevokeGrant(ctx, "g1", at(2*time.Minute)), nil)

	_, err = s.RotateRefreshToken(ctx, b.Hash, ports.Rotation{Next: refresh("rC")}, at(3*time.Minute))
	check(t, "RotateRefreshToken(B of a revoked grant)", err, ports.ErrNotFound)
	_, err = s.RotateRefreshToken(ctx, "rFresh", ports.Rotation{Next: refresh("rD")}, at(3*time.Minute))
	check(t, "RotateRefreshToken(unrotated token of a revoked grant)", err, ports.ErrNotFound)
	_, err = s.RotateRefreshToken(ctx, "rOther", ports.Rotation{Next: refreshOf("rOther2", "g2")}, at(3*time.Minute))
	check(t, "RotateRefreshToken(token of another grant)", err, nil)
}

// testRefreshGrace: within the grace period a rotated token may be presented
// once more and names the same successor (ErrRefreshInGrace), storing
// nothing; a second retry is reuse and revokes the grant.
func testRefreshGrace(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	a, b := refresh("rA"), refresh("rB")
	mustSaveRefresh(t, s, a)
	const grace = 10 * time.Second
	rot := func(next string) ports.Rotation {
		return ports.Rotation{Next: refresh(next), SealedNext: []byte("sealed " + next), Grace: grace}
	}
	_, err := s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: b, SealedNext: []byte("sealed rB"), Grace: grace}, at(time.Minute))
	check(t, "RotateRefreshToken(A→B)", err, nil)

	old, err := s.RotateRefreshToken(ctx, a.Hash, rot("rX"), at(time.Minute+5*time.Second))
	check(t, "RotateRefreshToken(A again, within grace)", err, ports.ErrRefreshInGrace)
	if old.Successor != b.Hash || string(old.SealedSuccessor) != "sealed rB" {
		t.Errorf("grace retry names successor %q (sealed %q), want %q (sealed %q)", old.Successor, old.SealedSuccessor, b.Hash, "sealed rB")
	}
	_, err = s.GetRefreshToken(ctx, "rX", at(time.Minute+6*time.Second))
	check(t, "GetRefreshToken(next of a grace retry)", err, ports.ErrNotFound)
	g, err := s.GetGrant(ctx, "g1", at(time.Minute+6*time.Second))
	check(t, "GetGrant", err, nil)
	if !g.RevokedAt.IsZero() {
		t.Fatal("grant revoked by a retry within the grace period")
	}

	_, err = s.RotateRefreshToken(ctx, a.Hash, rot("rY"), at(time.Minute+7*time.Second))
	check(t, "RotateRefreshToken(A a third time, grace spent)", err, ports.ErrRefreshReused)
	g, err = s.GetGrant(ctx, "g1", at(time.Minute+8*time.Second))
	check(t, "GetGrant", err, nil)
	if g.RevokedAt.IsZero() {
		t.Fatal("grant not revoked when the grace use was already spent")
	}
}

// testRefreshGraceExpired: after the grace period, or with no grace, a
// rotated token is reuse; a successor that already rotated ends the grace.
func testRefreshGraceExpired(t *testing.T, h Harness) {
	ctx := t.Context()
	cases := []struct {
		name  string
		grace time.Duration
		retry time.Duration
		moveB bool
	}{
		{"after the period", 10 * time.Second, 11 * time.Second, false},
		{"no grace configured", 0, time.Second, false},
		{"successor already rotated", 10 * time.Second, 3 * time.Second, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := h.New(t).Grants
			withCodeGrant(t, s)
			a := refresh("rA")
			mustSaveRefresh(t, s, a)
			_, err := s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: refresh("rB"), Grace: tc.grace}, at(time.Minute))
			check(t, "RotateRefreshToken(A→B)", err, nil)
			if tc.moveB {
				_, err = s.RotateRefreshToken(ctx, "rB", ports.Rotation{Next: refresh("rC"), Grace: tc.grace}, at(time.Minute+time.Second))
				check(t, "RotateRefreshToken(B→C)", err, nil)
			}
			_, err = s.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: refresh("rX"), Grace: tc.grace}, at(time.Minute+tc.retry))
			check(t, "RotateRefreshToken(A again)", err, ports.ErrRefreshReused)
			g, err := s.GetGrant(ctx, "g1", at(2*time.Minute))
			check(t, "GetGrant", err, nil)
			if g.RevokedAt.IsZero() {
				t.Fatal("grant not revoked on reuse")
			}
		})
	}
}
