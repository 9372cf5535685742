package storetest

import (
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

const sessionLife = time.Hour

// session returns a session of subject created (and last used) at created.
func session(idHash, subject, kind string, created time.Time) domain.Session {
	return domain.Session{
		IDHash:    idHash,
		Kind:      kind,
		Subject:   subject,
		ClientID:  "c1",
		CreatedAt: created,
		LastUsed:  created,
		ExpiresAt: created.Add(sessionLife),
	}
}

func mustCreateSession(t *testing.T, s ports.SessionStore, ss domain.Session, limit int) {
	t.Helper()
	check(t, "CreateSession "+ss.IDHash, s.CreateSession(t.Context(), ss, limit, ss.CreatedAt), nil)
}

// testSessionCRUD: CreateSession, ErrAlreadyExists for a taken hash,
// GetSession, DeleteSession, and ErrNotFound for absent sessions on get and
// delete.
func testSessionCRUD(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	ss := session("s1", "alice", domain.SessionMCP, base())

	_, err := s.GetSession(ctx, ss.IDHash, base())
	check(t, "GetSession(missing)", err, ports.ErrNotFound)
	check(t, "DeleteSession(missing)", s.DeleteSession(ctx, ss.IDHash), ports.ErrNotFound)

	mustCreateSession(t, s, ss, 0)
	dup := session("s1", "mallory", domain.SessionBrowser, base())
	check(t, "CreateSession(duplicate)", s.CreateSession(ctx, dup, 0, base()), ports.ErrAlreadyExists)

	got, err := s.GetSession(ctx, ss.IDHash, at(time.Minute))
	check(t, "GetSession", err, nil)
	same(t, "session", ss, got)

	check(t, "DeleteSession", s.DeleteSession(ctx, ss.IDHash), nil)
	_, err = s.GetSession(ctx, ss.IDHash, at(2*time.Minute))
	check(t, "GetSession(deleted)", err, ports.ErrNotFound)
	check(t, "DeleteSession(deleted)", s.DeleteSession(ctx, ss.IDHash), ports.ErrNotFound)
}

// testSessionExpiry: from ExpiresAt on, GetSession gives ErrNotFound.
func testSessionExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	ss := session("s1", "alice", domain.SessionMCP, base())
	mustCreateSession(t, s, ss, 0)

	_, err := s.GetSession(ctx, ss.IDHash, ss.ExpiresAt.Add(-time.Millisecond))
	check(t, "GetSession(just before expiry)", err, nil)
	_, err = s.GetSession(ctx, ss.IDHash, ss.ExpiresAt)
	check(t, "GetSession(at expiry)", err, ports.ErrNotFound)
}

// testSessionSlidingExpiry: TouchSession stores the new LastUsed and
// ExpiresAt, and only those, so the session outlives its first expiry.
func testSessionSlidingExpiry(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	ss := session("s1", "alice", domain.SessionMCP, base())
	mustCreateSession(t, s, ss, 0)

	now := at(50 * time.Minute)
	touched := ss.Slide(now, sessionLife, 0)
	touched.ClientID = "not-stored-by-touch"
	check(t, "TouchSession", s.TouchSession(ctx, touched, now), nil)

	want := ss
	want.LastUsed, want.ExpiresAt = now, now.Add(sessionLife)
	got, err := s.GetSession(ctx, ss.IDHash, ss.ExpiresAt.Add(time.Minute))
	check(t, "GetSession(past the first expiry)", err, nil)
	same(t, "touched session", want, got)

	_, err = s.GetSession(ctx, ss.IDHash, want.ExpiresAt)
	check(t, "GetSession(at the new expiry)", err, ports.ErrNotFound)
}

// testSessionTouchMissing: TouchSession gives ErrNotFound for an absent
// session and for one expired at now, and does not revive it.
func testSessionTouchMissing(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	ss := session("s1", "alice", domain.SessionMCP, base())
	check(t, "TouchSession(missing)", s.TouchSession(ctx, ss.Slide(base(), sessionLife, 0), base()), ports.ErrNotFound)

	mustCreateSession(t, s, ss, 0)
	now := ss.ExpiresAt
	check(t, "TouchSession(expired)", s.TouchSession(ctx, ss.Slide(now, sessionLife, 0), now), ports.ErrNotFound)
	_, err := s.GetSession(ctx, ss.IDHash, now.Add(time.Minute))
	check(t, "GetSession(after touching an expired session)", err, ports.ErrNotFound)
}

// testSessionLimit: with maxPerSubject live sessions of a kind, CreateSession
// gives ErrConflict and stores nothing; expired and deleted sessions free
// their place.
func testSessionLimit(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	const limit = 2
	short := session("s1", "alice", domain.SessionMCP, base())
	short.ExpiresAt = at(10 * time.Minute)
	mustCreateSession(t, s, short, limit)
	long := session("s2", "alice", domain.SessionMCP, at(time.Minute))
	mustCreateSession(t, s, long, limit)

	third := session("s3", "alice", domain.SessionMCP, at(2*time.Minute))
	check(t, "CreateSession(over the limit)", s.CreateSession(ctx, third, limit, third.CreatedAt), ports.ErrConflict)
	_, err := s.GetSession(ctx, third.IDHash, third.CreatedAt)
	check(t, "GetSession(refused session)", err, ports.ErrNotFound)

	third = session("s3", "alice", domain.SessionMCP, short.ExpiresAt)
	check(t, "CreateSession(after one expired)", s.CreateSession(ctx, third, limit, third.CreatedAt), nil)

	fourth := session("s4", "alice", domain.SessionMCP, at(11*time.Minute))
	check(t, "CreateSession(over the limit again)", s.CreateSession(ctx, fourth, limit, fourth.CreatedAt), ports.ErrConflict)
	check(t, "DeleteSession", s.DeleteSession(ctx, long.IDHash), nil)
	check(t, "CreateSession(after a delete)", s.CreateSession(ctx, fourth, limit, fourth.CreatedAt), nil)
}

// testSessionLimitIgnoresOthers: the limit counts only the subject's
// sessions of the same kind, and maxPerSubject 0 means no limit.
func testSessionLimitIgnoresOthers(t *testing.T, h Harness) {
	s := h.New(t).Sessions
	mustCreateSession(t, s, session("m1", "alice", domain.SessionMCP, base()), 1)
	mustCreateSession(t, s, session("b1", "alice", domain.SessionBrowser, base()), 1)
	mustCreateSession(t, s, session("m2", "bob", domain.SessionMCP, base()), 1)
	for _, id := range []string{"m3", "m4", "m5"} {
		mustCreateSession(t, s, session(id, "alice", domain.SessionMCP, base()), 0)
	}
}

// testSessionList: ListSessions returns the subject's live sessions of one
// kind, oldest first.
func testSessionList(t *testing.T, h Harness) {
	ctx, s := t.Context(), h.New(t).Sessions
	older := session("m-older", "alice", domain.SessionMCP, base())
	newer := session("m-newer", "alice", domain.SessionMCP, at(time.Minute))
	expired := session("m-expired", "alice", domain.SessionMCP, at(2*time.Minute))
	expired.ExpiresAt = at(5 * time.Minute)
	browser := session("b1", "alice", domain.SessionBrowser, at(3*time.Minute))
	other := session("m-bob", "bob", domain.SessionMCP, at(4*time.Minute))
	// Inserted out of order, all at base, so that the order of the answer
	// must come from CreatedAt.
	for _, ss := range []domain.Session{newer, browser, expired, other, older} {
		check(t, "CreateSession "+ss.IDHash, s.CreateSession(ctx, ss, 0, base()), nil)
	}

	now := at(10 * time.Minute)
	got, err := s.ListSessions(ctx, "alice", domain.SessionMCP, now)
	check(t, "ListSessions", err, nil)
	same(t, "alice's live MCP sessions", []domain.Session{older, newer}, got)

	got, err = s.ListSessions(ctx, "nobody", domain.SessionMCP, now)
	check(t, "ListSessions(nobody)", err, nil)
	same(t, "sessions of an unknown subject", []domain.Session(nil), got)
}
