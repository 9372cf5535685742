package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

const authRequestLife = 10 * time.Minute

// authRequest returns a request awaiting login, every field set except
// Subject.
func authRequest(id string) domain.AuthRequest {
	return domain.AuthRequest{
		ID:            id,
		ClientID:      "c1",
		RedirectURI:   "https://app.example/cb",
		State:         "xyz",
		CodeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
		Scopes:        domain.NewScopes("read", "write"),
		Resource:      "https://mcp.example/mcp",
		BrowserHash:   domain.HashSecret("browser-cookie"),
		CSRFHash:      domain.HashSecret("csrf"),
		ExpiresAt:     base().Add(authRequestLife),
	}
}

// testAuthRequestLifecycle: SaveAuthRequest creates and then replaces,
// GetAuthRequest returns the latest, DeleteAuthRequest removes it and
// GetAuthRequest of an absent request gives ErrNotFound.
func testAuthRequestLifecycle(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).AuthRequests
	r := authRequest("ar1")

	_, err := s.GetAuthRequest(ctx, r.ID, base())
	check(t, "GetAuthRequest(missing)", err, ports.ErrNotFound)

	check(t, "SaveAuthRequest", s.SaveAuthRequest(ctx, r), nil)
	got, err := s.GetAuthRequest(ctx, r.ID, at(time.Minute))
	check(t, "GetAuthRequest", err, nil)
	same(t, "auth request", r, got)

	loggedIn := r
	loggedIn.Subject = "alice"
	loggedIn.CSRFHash = domain.HashSecret("csrf-2")
	loggedIn.Scopes = domain.NewScopes("read")
	check(t, "SaveAuthRequest(replace)", s.SaveAuthRequest(ctx, loggedIn), nil)
	got, err = s.GetAuthRequest(ctx, r.ID, at(2*time.Minute))
	check(t, "GetAuthRequest(replaced)", err, nil)
	same(t, "replaced auth request", loggedIn, got)

	check(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, r.ID), nil)
	_, err = s.GetAuthRequest(ctx, r.ID, at(3*time.Minute))
	check(t, "GetAuthRequest(deleted)", err, ports.ErrNotFound)
}

// testAuthRequestExpiry: from ExpiresAt on, GetAuthRequest gives
// ErrNotFound.
func testAuthRequestExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).AuthRequests
	r := authRequest("ar1")
	check(t, "SaveAuthRequest", s.SaveAuthRequest(ctx, r), nil)

	_, err := s.GetAuthRequest(ctx, r.ID, r.ExpiresAt.Add(-time.Millisecond))
	check(t, "GetAuthRequest(just before expiry)", err, nil)
	_, err = s.GetAuthRequest(ctx, r.ID, r.ExpiresAt)
	check(t, "GetAuthRequest(at expiry)", err, ports.ErrNotFound)
}

// testAuthRequestDeleteMissing: deleting a missing request is no error, so a
// finished request can be dropped unconditionally.
func testAuthRequestDeleteMissing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).AuthRequests
	check(t, "DeleteAuthRequest(never saved)", s.DeleteAuthRequest(ctx, "ar1"), nil)

	check(t, "SaveAuthRequest", s.SaveAuthRequest(ctx, authRequest("ar1")), nil)
	for range 2 {
		check(t, "DeleteAuthRequest", s.DeleteAuthRequest(ctx, "ar1"), nil)
	}
}
