package postgres

import (
	"errors"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// TestAwkwardStringsRoundTrip: bun renders arguments into the statement
// text, so quotes, backslashes and SQL-looking input must come back
// verbatim and never change the statement.
func TestAwkwardStringsRoundTrip(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	for _, v := range []string{`O'Brien`, `\'; DROP TABLE clients; --`, `\\x00\`, `?0 ?1 ?`, "é\u2028\t\n", `$1 $$ E'\n'`} {
		c := domain.Client{ID: v, Name: v, RedirectURIs: []string{v, `"` + v + `"`}, Scopes: domain.Scopes{v, "{" + v + "}"}}
		mustNil(t, s.CreateClient(ctx, c))
		got, err := s.GetClient(ctx, v)
		mustNil(t, err)
		if got.ID != v || got.Name != v || len(got.RedirectURIs) != 2 || got.RedirectURIs[1] != `"`+v+`"` || got.Scopes[1] != "{"+v+"}" {
			t.Errorf("client %q read back as %+v", v, got)
		}
	}
}

// TestNULKeysAreAbsent: PostgreSQL text cannot hold a NUL byte, so a lookup
// by a key containing one finds nothing instead of failing the query.
func TestNULKeysAreAbsent(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	const key = "c1\x00evil"
	if _, err := s.GetClient(ctx, key); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("GetClient(NUL key) = %v, want ErrNotFound", err)
	}
	if _, err := s.GetAuthRequest(ctx, key, time.Now()); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("GetAuthRequest(NUL key) = %v, want ErrNotFound", err)
	}
	if err := s.DeleteAuthRequest(ctx, key); err != nil {
		t.Errorf("DeleteAuthRequest(NUL key) = %v, want nil", err)
	}
}
