package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// race runs f(0) … f(n-1) in n goroutines released together, so that they
// contend as hard as the backend allows, and returns their errors by index.
func race(n int, f func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts successes and fails the test on an error outside allowed.
func tally(t *testing.T, op string, errs []error, allowed ...error) (ok int) {
	t.Helper()
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		known := false
		for _, a := range allowed {
			known = known || errors.Is(err, a)
		}
		if !known {
			t.Errorf("%s #%d: unexpected error: %v", op, i, err)
		}
	}
	return ok
}

// testConcurrentCodeRedeem: of 64 concurrent redemptions of one code exactly
// one succeeds; the others get ErrConflict (with UsedAt set) or ErrNotFound.
func testConcurrentCodeRedeem(t *testing.T, h Harness) {
	ctx, stores := t.Context(), replicas(t, h)
	withCodeGrant(t, stores[0].Grants)
	c := code("h1")
	mustSaveCode(t, stores[0].Grants, c)

	const n = 64
	now := at(time.Second)
	got := make([]domain.AuthCode, n)
	errs := race(n, func(i int) (err error) {
		got[i], err = stores[i%len(stores)].Grants.ConsumeAuthCode(ctx, c.Hash, now)
		return err
	})
	if ok := tally(t, "ConsumeAuthCode", errs, ports.ErrConflict, ports.ErrNotFound); ok != 1 {
		t.Errorf("%d of %d concurrent redemptions succeeded, want exactly 1", ok, n)
	}
	for i, err := range errs {
		if errors.Is(err, ports.ErrConflict) && got[i].UsedAt.IsZero() {
			t.Errorf("ConsumeAuthCode #%d: ErrConflict with a zero UsedAt", i)
		}
	}
}

// testConcurrentRefreshRotate: of 64 concurrent rotations of one refresh
// token exactly one succeeds; the others get ErrRefreshReused, the grant ends
// revoked, and no next token is usable.
func testConcurrentRefreshRotate(t *testing.T, h Harness) {
	ctx, stores := t.Context(), replicas(t, h)
	withCodeGrant(t, stores[0].Grants)
	a := refresh("rA")
	mustSaveRefresh(t, stores[0].Grants, a)

	const n = 64
	next := func(i int) domain.RefreshToken { return refresh(fmt.Sprintf("rNext%d", i)) }
	errs := race(n, func(i int) error {
		_, err := stores[i%len(stores)].Grants.RotateRefreshToken(ctx, a.Hash, ports.Rotation{Next: next(i)}, at(time.Minute))
		return err
	})
	if ok := tally(t, "RotateRefreshToken", errs, ports.ErrRefreshReused); ok != 1 {
		t.Fatalf("%d of %d concurrent rotations succeeded, want exactly 1", ok, n)
	}

	s := stores[0].Grants
	g, err := s.GetGrant(ctx, "g1", at(2*time.Minute))
	check(t, "GetGrant", err, nil)
	if g.RevokedAt.IsZero() {
		t.Error("grant not revoked after concurrent reuse")
	}
	for i, err := range errs {
		if err != nil {
			continue
		}
		_, err = s.RotateRefreshToken(ctx, next(i).Hash, ports.Rotation{Next: refresh("rAfter")}, at(3*time.Minute))
		check(t, "RotateRefreshToken(the winner's next token)", err, ports.ErrNotFound)
	}
}

// testConcurrentSessionLimit: 20 concurrent creations under a limit of 3
// store exactly 3 sessions; the others get ErrConflict.
func testConcurrentSessionLimit(t *testing.T, h Harness) {
	ctx, stores := t.Context(), replicas(t, h)
	const n, limit = 20, 3
	now := base()
	errs := race(n, func(i int) error {
		ss := session(fmt.Sprintf("s%d", i), "alice", domain.SessionMCP, now)
		return stores[i%len(stores)].Sessions.CreateSession(ctx, ss, limit, now)
	})
	if ok := tally(t, "CreateSession", errs, ports.ErrConflict); ok != limit {
		t.Errorf("%d of %d concurrent sessions stored, want %d", ok, n, limit)
	}
	live, err := stores[0].Sessions.ListSessions(ctx, "alice", domain.SessionMCP, now)
	check(t, "ListSessions", err, nil)
	if len(live) != limit {
		t.Errorf("ListSessions: %d sessions, want %d", len(live), limit)
	}
}
