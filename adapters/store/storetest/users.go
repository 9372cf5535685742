package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// user returns a user with every stored field set, so that a backend
// dropping a field fails the round trip.
func user(name string) domain.User {
	return domain.User{
		Username:     name,
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdC1vZi0" + name + "$aGFzaA",
		Scopes:       domain.NewScopes("read", "write"),
		CreatedAt:    base(),
		UpdatedAt:    base(),
	}
}

// testUserCRUD: UserDirectory create, duplicate, get, update (a disabled
// user is still returned), and ErrNotFound for absent users on get and
// update.
func testUserCRUD(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Users
	u := user("alice")

	check(t, "UpdateUser(missing)", s.UpdateUser(ctx, u), ports.ErrNotFound)
	_, err := s.GetUser(ctx, u.Username)
	check(t, "GetUser(missing)", err, ports.ErrNotFound)

	check(t, "CreateUser", s.CreateUser(ctx, u), nil)
	dup := user("alice")
	dup.PasswordHash, dup.Scopes = "impostor", domain.NewScopes("admin")
	check(t, "CreateUser(duplicate)", s.CreateUser(ctx, dup), ports.ErrAlreadyExists)

	got, err := s.GetUser(ctx, u.Username)
	check(t, "GetUser", err, nil)
	same(t, "user", u, got)

	changed := u
	changed.PasswordHash = "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3"
	changed.Scopes = domain.NewScopes("read")
	changed.Disabled = true
	changed.UpdatedAt = at(time.Hour)
	check(t, "UpdateUser", s.UpdateUser(ctx, changed), nil)
	got, err = s.GetUser(ctx, u.Username)
	check(t, "GetUser(updated, disabled)", err, nil)
	same(t, "updated user", changed, got)

	changed.Disabled = false
	changed.UpdatedAt = at(2 * time.Hour)
	check(t, "UpdateUser(enable)", s.UpdateUser(ctx, changed), nil)
	got, err = s.GetUser(ctx, u.Username)
	check(t, "GetUser(enabled again)", err, nil)
	same(t, "enabled user", changed, got)

	_, err = s.GetUser(ctx, "Alice")
	check(t, "GetUser(other case)", err, ports.ErrNotFound)
}

// testUserListOrdered: ListUsers returns every user ordered by username,
// byte-wise as Go compares strings (upper case before lower case), disabled
// users included.
func testUserListOrdered(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Users

	got, err := s.ListUsers(ctx)
	check(t, "ListUsers(empty)", err, nil)
	same(t, "users of an empty store", []domain.User(nil), got)

	disabled := user("bravo")
	disabled.Disabled = true
	for _, u := range []domain.User{user("charlie"), user("alpha"), disabled, user("Zulu")} {
		check(t, "CreateUser "+u.Username, s.CreateUser(ctx, u), nil)
	}
	got, err = s.ListUsers(ctx)
	check(t, "ListUsers", err, nil)
	same(t, "users", []domain.User{user("Zulu"), user("alpha"), disabled, user("charlie")}, got)
}

// testUserNoAliasing: changing the scopes the caller passed in or got back
// does not change the stored user.
func testUserNoAliasing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Users
	in := user("alice")
	check(t, "CreateUser", s.CreateUser(ctx, in), nil)
	in.Scopes[0] = "admin"

	out, err := s.GetUser(ctx, "alice")
	check(t, "GetUser", err, nil)
	same(t, "user after changing the input", user("alice"), out)
	out.Scopes[1] = "admin"

	list, err := s.ListUsers(ctx)
	check(t, "ListUsers", err, nil)
	same(t, "users after changing an output", []domain.User{user("alice")}, list)
	list[0].Scopes[0] = "admin"

	upd := user("alice")
	upd.UpdatedAt = at(time.Minute)
	check(t, "UpdateUser", s.UpdateUser(ctx, upd), nil)
	upd.Scopes[0] = "admin"

	again, err := s.GetUser(ctx, "alice")
	check(t, "GetUser", err, nil)
	want := user("alice")
	want.UpdatedAt = at(time.Minute)
	same(t, "user after changing a listed one and an update's input", want, again)
}

// testReplicaSeesUsers: a user created through one replica logs in on the
// other, and a replica sees the other's disabling at once.
func testReplicaSeesUsers(t *testing.T, h Harness) {
	ctx := t.Context()
	a, b := twoReplicas(t, h)

	u := user("alice")
	check(t, "A.CreateUser", a.Users.CreateUser(ctx, u), nil)
	got, err := b.Users.GetUser(ctx, u.Username)
	check(t, "B.GetUser", err, nil)
	same(t, "user on B", u, got)
	check(t, "B.CreateUser(duplicate)", b.Users.CreateUser(ctx, user("alice")), ports.ErrAlreadyExists)

	u.Disabled, u.UpdatedAt = true, at(time.Minute)
	check(t, "B.UpdateUser", b.Users.UpdateUser(ctx, u), nil)
	list, err := a.Users.ListUsers(ctx)
	check(t, "A.ListUsers", err, nil)
	same(t, "users on A", []domain.User{u}, list)
}
