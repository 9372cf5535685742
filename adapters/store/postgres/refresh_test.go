package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
	"gatehouse/ports"
)

var t0 = time.Date(2031, 3, 4, 5, 6, 7, 0, time.UTC)

// withFamily stores grant g1 and its current refresh token rA.
func withFamily(t *testing.T, s *Store) {
	t.Helper()
	mustNil(t, s.CreateGrant(t.Context(), domain.Grant{ID: "g1", Subject: "alice", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}))
	mustNil(t, s.SaveRefreshToken(t.Context(), refreshToken("rA")))
}

func refreshToken(hash string) domain.RefreshToken {
	return domain.RefreshToken{Hash: hash, GrantID: "g1", ClientID: "c1", Scopes: domain.Scopes{"read"}, ExpiresAt: t0.Add(24 * time.Hour)}
}

// TestRotateToTakenHashChangesNothing: a successor hash that is taken gives
// ErrAlreadyExists and leaves the old token current, so a retry with a
// fresh successor succeeds.
func TestRotateToTakenHashChangesNothing(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	withFamily(t, s)
	mustNil(t, s.SaveRefreshToken(ctx, refreshToken("rTaken")))

	_, err := s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refreshToken("rTaken")}, t0.Add(time.Minute))
	if !errors.Is(err, ports.ErrAlreadyExists) {
		t.Fatalf("rotate to a taken hash: got %v, want ErrAlreadyExists", err)
	}
	a, err := s.GetRefreshToken(ctx, "rA", t0.Add(time.Minute))
	mustNil(t, err)
	if !a.RotatedAt.IsZero() || a.Successor != "" {
		t.Fatalf("failed rotation marked rA rotated: %+v", a)
	}
	_, err = s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refreshToken("rB")}, t0.Add(2*time.Minute))
	mustNil(t, err)
}

// TestConcurrentGraceRetries: of many concurrent retries of a just-rotated
// token within the grace period, exactly one spends the grace use; the
// others are reuse, and the grant ends revoked.
func TestConcurrentGraceRetries(t *testing.T) {
	ctx := t.Context()
	s, dsn := newMigratedStore(t, Options{})
	replica := openStore(t, dsn, Options{})
	withFamily(t, s)
	const grace = 10 * time.Second
	_, err := s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refreshToken("rB"), SealedNext: []byte("sealed"), Grace: grace}, t0.Add(time.Minute))
	mustNil(t, err)

	const n = 16
	errs := make([]error, n)
	olds := make([]domain.RefreshToken, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		st := []*Store{s, replica}[i%2]
		wg.Go(func() {
			<-start
			next := ports.Rotation{Next: refreshToken(fmt.Sprintf("rX%d", i)), Grace: grace}
			olds[i], errs[i] = st.RotateRefreshToken(ctx, "rA", next, t0.Add(time.Minute+time.Second))
		})
	}
	close(start)
	wg.Wait()

	inGrace, reused := 0, 0
	for i, err := range errs {
		switch {
		case errors.Is(err, ports.ErrRefreshInGrace):
			inGrace++
			if olds[i].Successor != "rB" || string(olds[i].SealedSuccessor) != "sealed" {
				t.Errorf("grace retry names %q (%q), want rB (sealed)", olds[i].Successor, olds[i].SealedSuccessor)
			}
		case errors.Is(err, ports.ErrRefreshReused):
			reused++
		default:
			t.Errorf("retry %d: unexpected %v", i, err)
		}
	}
	if inGrace != 1 || reused != n-1 {
		t.Errorf("%d grace uses and %d reuses of %d retries, want 1 and %d", inGrace, reused, n, n-1)
	}
	g, err := s.GetGrant(ctx, "g1", t0.Add(2*time.Minute))
	mustNil(t, err)
	if g.RevokedAt.IsZero() {
		t.Error("grant not revoked after the grace use was spent twice")
	}
}

// statementCounter counts the statements a Store sends.
type statementCounter struct{ n atomic.Int32 }

func (c *statementCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}
func (c *statementCounter) AfterQuery(context.Context, *bun.QueryEvent) { c.n.Add(1) }

// TestHotPathsAreOneStatement: the operations on every request's path take
// one round trip each when all goes well: redeeming a code, rotating a
// refresh token, asking for revocations, counting a rate-limit event, and
// creating a session without a limit.
func TestHotPathsAreOneStatement(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	withFamily(t, s)
	mustNil(t, s.SaveAuthCode(ctx, domain.AuthCode{Hash: "h1", GrantID: "g1", ExpiresAt: t0.Add(time.Minute)}))
	counter := &statementCounter{}
	s.db = s.db.WithQueryHook(counter)

	for _, tc := range []struct {
		name string
		op   func() error
	}{
		{"ConsumeAuthCode", func() error { _, err := s.ConsumeAuthCode(ctx, "h1", t0); return err }},
		{"RotateRefreshToken", func() error {
			_, err := s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: refreshToken("rB")}, t0)
			return err
		}},
		{"AnyRevoked", func() error { _, err := s.AnyRevoked(ctx, t0, "jti:1", "grant:g1"); return err }},
		{"Allow", func() error { _, err := s.Allow(ctx, "k", 5, time.Minute, t0); return err }},
		{"CreateSession", func() error {
			return s.CreateSession(ctx, domain.Session{IDHash: "s1", Subject: "alice", ExpiresAt: t0.Add(time.Hour)}, 0, t0)
		}},
	} {
		counter.n.Store(0)
		mustNil(t, tc.op())
		if got := counter.n.Load(); got != 1 {
			t.Errorf("%s sent %d statements, want 1", tc.name, got)
		}
	}
}
