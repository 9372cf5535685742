package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

const grantLife = 24 * time.Hour

// grant returns an active grant of subject, created at created.
func grant(id, subject string, created time.Time) domain.Grant {
	return domain.Grant{
		ID:        id,
		ClientID:  "c1",
		Subject:   subject,
		Scopes:    domain.NewScopes("read", "write"),
		Resource:  "https://mcp.example/mcp",
		CreatedAt: created,
		ExpiresAt: created.Add(grantLife),
	}
}

func mustCreateGrant(t *testing.T, s ports.GrantStore, g domain.Grant) {
	t.Helper()
	check(t, "CreateGrant "+g.ID, s.CreateGrant(t.Context(), g), nil)
}

// testGrantCRUD: CreateGrant, duplicate ids, GetGrant, ErrNotFound if absent.
func testGrantCRUD(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	g := grant("g1", "alice", base())

	_, err := s.GetGrant(ctx, g.ID, base())
	check(t, "GetGrant(missing)", err, ports.ErrNotFound)

	check(t, "CreateGrant", s.CreateGrant(ctx, g), nil)
	dup := grant("g1", "mallory", base())
	check(t, "CreateGrant(duplicate)", s.CreateGrant(ctx, dup), ports.ErrAlreadyExists)

	got, err := s.GetGrant(ctx, g.ID, at(time.Minute))
	check(t, "GetGrant", err, nil)
	same(t, "grant", g, got)
}

// testGrantExpiry: GetGrant gives ErrNotFound once the grant expired at the
// caller's now. At ExpiresAt itself the grant is expired, as Grant.Active
// says.
func testGrantExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	g := grant("g1", "alice", base())
	mustCreateGrant(t, s, g)

	_, err := s.GetGrant(ctx, g.ID, g.ExpiresAt.Add(-time.Millisecond))
	check(t, "GetGrant(just before expiry)", err, nil)
	_, err = s.GetGrant(ctx, g.ID, g.ExpiresAt)
	check(t, "GetGrant(at expiry)", err, ports.ErrNotFound)
	_, err = s.GetGrant(ctx, g.ID, g.ExpiresAt.Add(time.Hour))
	check(t, "GetGrant(after expiry)", err, ports.ErrNotFound)
}

// testGrantListActive: ListGrants returns only the subject's grants active at
// now (neither revoked nor expired), oldest first.
func testGrantListActive(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	older := grant("g-older", "alice", base())
	newer := grant("g-newer", "alice", at(time.Minute))
	revoked := grant("g-revoked", "alice", at(2*time.Minute))
	short := grant("g-short", "alice", at(3*time.Minute))
	short.ExpiresAt = at(10 * time.Minute)
	other := grant("g-bob", "bob", at(4*time.Minute))
	for _, g := range []domain.Grant{newer, revoked, other, short, older} {
		mustCreateGrant(t, s, g)
	}
	check(t, "RevokeGrant", s.RevokeGrant(ctx, revoked.ID, at(5*time.Minute)), nil)

	now := at(time.Hour)
	got, err := s.ListGrants(ctx, "alice", now)
	check(t, "ListGrants(alice)", err, nil)
	same(t, "alice's active grants", []domain.Grant{older, newer}, got)

	got, err = s.ListGrants(ctx, "nobody", now)
	check(t, "ListGrants(nobody)", err, nil)
	same(t, "grants of an unknown subject", []domain.Grant(nil), got)
}

// testGrantRevoke: RevokeGrant marks the grant revoked at now, GetGrant
// still returns it, a second revocation is no error and keeps the first
// instant, and an absent grant gives ErrNotFound.
func testGrantRevoke(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	check(t, "RevokeGrant(missing)", s.RevokeGrant(ctx, "g1", base()), ports.ErrNotFound)

	g := grant("g1", "alice", base())
	mustCreateGrant(t, s, g)
	revokedAt := at(time.Minute)
	check(t, "RevokeGrant", s.RevokeGrant(ctx, g.ID, revokedAt), nil)

	want := g
	want.RevokedAt = revokedAt
	got, err := s.GetGrant(ctx, g.ID, at(2*time.Minute))
	check(t, "GetGrant(revoked)", err, nil)
	same(t, "revoked grant", want, got)

	check(t, "RevokeGrant(again)", s.RevokeGrant(ctx, g.ID, at(3*time.Minute)), nil)
	got, err = s.GetGrant(ctx, g.ID, at(4*time.Minute))
	check(t, "GetGrant(revoked twice)", err, nil)
	same(t, "grant revoked twice", want, got)
}

// testGrantRevokeExpired: an expired grant behaves as absent, so revoking it
// gives ErrNotFound.
func testGrantRevokeExpired(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	g := grant("g1", "alice", base())
	mustCreateGrant(t, s, g)
	check(t, "RevokeGrant(expired)", s.RevokeGrant(ctx, g.ID, g.ExpiresAt), ports.ErrNotFound)
}

// testGrantNoAliasing: changing scopes the caller passed in or got back does
// not change the stored grant.
func testGrantNoAliasing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	in := grant("g1", "alice", base())
	mustCreateGrant(t, s, in)
	in.Scopes[0] = "admin"

	out, err := s.GetGrant(ctx, "g1", base())
	check(t, "GetGrant", err, nil)
	same(t, "grant after changing the input", grant("g1", "alice", base()), out)
	out.Scopes[0] = "admin"

	list, err := s.ListGrants(ctx, "alice", base())
	check(t, "ListGrants", err, nil)
	same(t, "grants after changing an output", []domain.Grant{grant("g1", "alice", base())}, list)
	list[0].Scopes[1] = "admin"

	again, err := s.GetGrant(ctx, "g1", base())
	check(t, "GetGrant", err, nil)
	same(t, "grant after changing a listed one", grant("g1", "alice", base()), again)
}
