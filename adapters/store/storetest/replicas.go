package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// twoReplicas returns two Stores over one backend, or skips.
func twoReplicas(t *testing.T, h Harness) (a, b ports.Stores) {
	t.Helper()
	if h.NewReplica == nil {
		t.Skip("Harness.NewReplica is nil: the backend has no replicas")
	}
	return h.New(t), h.NewReplica(t)
}

// testReplicaSeesWrites: every aggregate written through one replica reads
// back through the other.
func testReplicaSeesWrites(t *testing.T, h Harness) {
	ctx := t.Context()
	a, b := twoReplicas(t, h)

	c := client("c1")
	check(t, "A.CreateClient", a.Clients.CreateClient(ctx, c), nil)
	gotClient, err := b.Clients.GetClient(ctx, c.ID)
	check(t, "B.GetClient", err, nil)
	same(t, "client on B", c, gotClient)
	check(t, "B.DeleteClient", b.Clients.DeleteClient(ctx, c.ID), nil)
	_, err = a.Clients.GetClient(ctx, c.ID)
	check(t, "A.GetClient(deleted on B)", err, ports.ErrNotFound)

	g := grant("g1", "alice", base())
	mustCreateGrant(t, a.Grants, g)
	check(t, "B.RevokeGrant", b.Grants.RevokeGrant(ctx, g.ID, at(time.Minute)), nil)
	gotGrant, err := a.Grants.GetGrant(ctx, g.ID, at(time.Minute))
	check(t, "A.GetGrant", err, nil)
	if gotGrant.RevokedAt.IsZero() {
		t.Error("A does not see B's revocation of the grant")
	}

	check(t, "A.Revoke", a.Revocations.Revoke(ctx, "jti:1", at(time.Hour)), nil)
	anyRevoked(t, b.Revocations, at(time.Minute), true, "jti:1")

	r := authRequest("ar1")
	check(t, "A.SaveAuthRequest", a.AuthRequests.SaveAuthRequest(ctx, r), nil)
	gotReq, err := b.AuthRequests.GetAuthRequest(ctx, r.ID, at(time.Minute))
	check(t, "B.GetAuthRequest", err, nil)
	same(t, "auth request on B", r, gotReq)

	cs := consent("alice", "c1", "read")
	check(t, "A.SaveConsent", a.Consents.SaveConsent(ctx, cs), nil)
	gotConsent, err := b.Consents.GetConsent(ctx, "alice", "c1")
	check(t, "B.GetConsent", err, nil)
	same(t, "consent on B", cs, gotConsent)

	k := signingKey("k1", base())
	check(t, "A.AddKey", a.Keys.AddKey(ctx, k), nil)
	gotKeys, err := b.Keys.ListKeys(ctx)
	check(t, "B.ListKeys", err, nil)
	same(t, "keys on B", []domain.SigningKey{k}, gotKeys)
}

// testReplicaSessions: sessions, their sliding expiry and their per-subject
// limit are shared by the replicas.
func testReplicaSessions(t *testing.T, h Harness) {
	ctx := t.Context()
	a, b := twoReplicas(t, h)

	ss := session("s1", "alice", domain.SessionMCP, base())
	check(t, "A.CreateSession", a.Sessions.CreateSession(ctx, ss, 1, base()), nil)
	other := session("s2", "alice", domain.SessionMCP, at(time.Minute))
	check(t, "B.CreateSession(over the limit)", b.Sessions.CreateSession(ctx, other, 1, other.CreatedAt), ports.ErrConflict)

	now := at(50 * time.Minute)
	touched := ss.Slide(now, sessionLife, 0)
	check(t, "B.TouchSession", b.Sessions.TouchSession(ctx, touched, now), nil)
	got, err := a.Sessions.GetSession(ctx, ss.IDHash, ss.ExpiresAt.Add(time.Minute))
	check(t, "A.GetSession(past the first expiry)", err, nil)
	same(t, "session on A", touched, got)
}

// testReplicaOneShotSecrets: a code redeemed on one replica is used on the
// other, and a refresh token rotated on one is reuse on the other.
func testReplicaOneShotSecrets(t *testing.T, h Harness) {
	ctx := t.Context()
	a, b := twoReplicas(t, h)
	withCodeGrant(t, a.Grants)

	c := code("h1")
	mustSaveCode(t, a.Grants, c)
	_, err := b.Grants.ConsumeAuthCode(ctx, c.Hash, at(time.Second))
	check(t, "B.ConsumeAuthCode", err, nil)
	_, err = a.Grants.ConsumeAuthCode(ctx, c.Hash, at(2*time.Second))
	check(t, "A.ConsumeAuthCode(used on B)", err, ports.ErrConflict)

	mustSaveRefresh(t, a.Grants, refresh("rA"))
	_, err = a.Grants.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refresh("rB")}, at(time.Minute))
	check(t, "A.RotateRefreshToken(A→B)", err, nil)
	_, err = b.Grants.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refresh("rX")}, at(2*time.Minute))
	check(t, "B.RotateRefreshToken(A again)", err, ports.ErrRefreshReused)
	g, err := a.Grants.GetGrant(ctx, "g1", at(3*time.Minute))
	check(t, "A.GetGrant", err, nil)
	if g.RevokedAt.IsZero() {
		t.Error("A does not see the grant revoked by reuse on B")
	}
}
