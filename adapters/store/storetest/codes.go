package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/domain"
	"gatehouse/ports"
)

const codeLife = time.Minute

// code returns an unused authorization code of grant g1, issued at base.
func code(hash string) domain.AuthCode {
	return domain.AuthCode{
		Hash:          hash,
		GrantID:       "g1",
		ClientID:      "c1",
		Subject:       "alice",
		RedirectURI:   "https://app.example/cb",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Scopes:        domain.NewScopes("read"),
		Resource:      "https://mcp.example/mcp",
		ExpiresAt:     base().Add(codeLife),
	}
}

// withCodeGrant stores grant g1, which every code and refresh token of the
// suite belongs to, as in a real flow.
func withCodeGrant(t *testing.T, s ports.GrantStore) {
	t.Helper()
	mustCreateGrant(t, s, grant("g1", "alice", base()))
}

// ignoreUsedAt compares codes apart from UsedAt: the contract leaves open
// whether the first redemption returns the code before or after marking it.
func ignoreUsedAt() cmp.Option { return cmpopts.IgnoreFields(domain.AuthCode{}, "UsedAt") }

func mustSaveCode(t *testing.T, s ports.GrantStore, c domain.AuthCode) {
	t.Helper()
	check(t, "SaveAuthCode", s.SaveAuthCode(t.Context(), c), nil)
}

// testCodeSaveDuplicate: SaveAuthCode gives ErrAlreadyExists if the hash is
// taken.
func testCodeSaveDuplicate(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	mustSaveCode(t, s, code("h1"))
	dup := code("h1")
	dup.Subject = "mallory"
	check(t, "SaveAuthCode(duplicate)", s.SaveAuthCode(ctx, dup), ports.ErrAlreadyExists)

	got, err := s.ConsumeAuthCode(ctx, "h1", at(time.Second))
	check(t, "ConsumeAuthCode", err, nil)
	same(t, "code after a rejected duplicate", code("h1"), got, ignoreUsedAt())
}

// testCodeRedeemedOnce: the first ConsumeAuthCode gets the code; every later
// caller before expiry gets ErrConflict with the code and the first use's
// instant in UsedAt.
func testCodeRedeemedOnce(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	c := code("h1")
	mustSaveCode(t, s, c)

	firstUse := at(10 * time.Second)
	got, err := s.ConsumeAuthCode(ctx, c.Hash, firstUse)
	check(t, "ConsumeAuthCode(first)", err, nil)
	same(t, "first redemption", c, got, ignoreUsedAt())

	used := c
	used.UsedAt = firstUse
	for i, now := range []time.Time{at(20 * time.Second), at(30 * time.Second)} {
		got, err = s.ConsumeAuthCode(ctx, c.Hash, now)
		check(t, "ConsumeAuthCode(again)", err, ports.ErrConflict)
		same(t, fmt.Sprintf("redemption %d", i+2), used, got)
	}
}

// testCodeUnknown: ConsumeAuthCode of an unknown hash gives ErrNotFound.
func testCodeUnknown(t *testing.T, h Harness) {
	s := h.New(t).Grants
	_, err := s.ConsumeAuthCode(t.Context(), "no-such-hash", base())
	check(t, "ConsumeAuthCode(unknown)", err, ports.ErrNotFound)
}

// testCodeExpired: a code redeems until just before ExpiresAt; from
// ExpiresAt on an unused code gives ErrNotFound.
func testCodeExpired(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	early, late := code("h-early"), code("h-late")
	mustSaveCode(t, s, early)
	mustSaveCode(t, s, late)

	_, err := s.ConsumeAuthCode(ctx, early.Hash, early.ExpiresAt.Add(-time.Millisecond))
	check(t, "ConsumeAuthCode(just before expiry)", err, nil)
	_, err = s.ConsumeAuthCode(ctx, late.Hash, late.ExpiresAt)
	check(t, "ConsumeAuthCode(at expiry)", err, ports.ErrNotFound)
	_, err = s.ConsumeAuthCode(ctx, late.Hash, late.ExpiresAt.Add(time.Second))
	check(t, "ConsumeAuthCode(expired, again)", err, ports.ErrNotFound)
}

// testCodeUsedThenExpired: once expired, a used code gives ErrNotFound, not
// ErrConflict.
func testCodeUsedThenExpired(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Grants
	withCodeGrant(t, s)
	c := code("h1")
	mustSaveCode(t, s, c)

	_, err := s.ConsumeAuthCode(ctx, c.Hash, at(time.Second))
	check(t, "ConsumeAuthCode(first)", err, nil)
	_, err = s.ConsumeAuthCode(ctx, c.Hash, c.ExpiresAt)
	check(t, "ConsumeAuthCode(used, expired)", err, ports.ErrNotFound)
}
