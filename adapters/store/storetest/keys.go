package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// signingKey returns an active key created at created. PrivateJWK need not be
// a real key: stores keep it as opaque bytes.
func signingKey(id string, created time.Time) domain.SigningKey {
	return domain.SigningKey{
		ID:         id,
		Algorithm:  "ES256",
		PrivateJWK: []byte(`{"kty":"EC","crv":"P-256","kid":"` + id + `"}`),
		CreatedAt:  created,
	}
}

// testKeysRotation: AddKey, ErrAlreadyExists for a taken id, ListKeys newest
// first, UpdateKey to retire, DeleteKey, and ErrNotFound for absent keys on
// update and delete.
func testKeysRotation(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Keys

	got, err := s.ListKeys(ctx)
	check(t, "ListKeys(empty)", err, nil)
	same(t, "keys of an empty store", []domain.SigningKey(nil), got)

	old, cur := signingKey("k-old", base()), signingKey("k-new", at(time.Hour))
	check(t, "AddKey(old)", s.AddKey(ctx, old), nil)
	check(t, "AddKey(duplicate)", s.AddKey(ctx, signingKey("k-old", at(time.Minute))), ports.ErrAlreadyExists)
	check(t, "AddKey(new)", s.AddKey(ctx, cur), nil)
	got, err = s.ListKeys(ctx)
	check(t, "ListKeys", err, nil)
	same(t, "keys", []domain.SigningKey{cur, old}, got)

	retired := old
	retired.RetiredAt, retired.ExpiresAt = at(time.Hour), at(2*time.Hour)
	check(t, "UpdateKey", s.UpdateKey(ctx, retired), nil)
	check(t, "UpdateKey(missing)", s.UpdateKey(ctx, signingKey("k-missing", base())), ports.ErrNotFound)
	got, err = s.ListKeys(ctx)
	check(t, "ListKeys(after retiring)", err, nil)
	same(t, "keys after retiring", []domain.SigningKey{cur, retired}, got)

	check(t, "DeleteKey", s.DeleteKey(ctx, old.ID), nil)
	check(t, "DeleteKey(deleted)", s.DeleteKey(ctx, old.ID), ports.ErrNotFound)
	got, err = s.ListKeys(ctx)
	check(t, "ListKeys(after delete)", err, nil)
	same(t, "keys after delete", []domain.SigningKey{cur}, got)
}

// testKeyNoAliasing: changing key bytes the caller passed in or got back does
// not change the stored key.
func testKeyNoAliasing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Keys
	in := signingKey("k1", base())
	check(t, "AddKey", s.AddKey(ctx, in), nil)
	in.PrivateJWK[0] = 'X'

	got, err := s.ListKeys(ctx)
	check(t, "ListKeys", err, nil)
	same(t, "keys after changing the input", []domain.SigningKey{signingKey("k1", base())}, got)
	got[0].PrivateJWK[0] = 'Y'

	upd := signingKey("k1", base())
	upd.RetiredAt = at(time.Hour)
	check(t, "UpdateKey", s.UpdateKey(ctx, upd), nil)
	upd.PrivateJWK[0] = 'Z'

	got, err = s.ListKeys(ctx)
	check(t, "ListKeys", err, nil)
	want := signingKey("k1", base())
	want.RetiredAt = at(time.Hour)
	same(t, "keys after changing outputs and update input", []domain.SigningKey{want}, got)
}
