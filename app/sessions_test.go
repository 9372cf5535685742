package app_test

import (
	"errors"
	"testing"
	"time"

	"gatehouse/adapters/store/memory"
	"gatehouse/app"
	"gatehouse/domain"
)

var (
	alice = domain.Principal{Subject: "alice", ClientID: publicID, Scopes: domain.ParseScopes("read")}
	bob   = domain.Principal{Subject: "bob", ClientID: publicID, Scopes: domain.ParseScopes("read")}
)

type sessionFixture struct {
	sessions *app.Sessions
	store    *memory.Store
	clock    *fakeClock
}

func newSessions(cfg app.SessionConfig) sessionFixture {
	clock := newFakeClock()
	store := memory.New()
	return sessionFixture{
		sessions: &app.Sessions{Config: cfg, Store: store, Clock: clock.Now},
		store:    store,
		clock:    clock,
	}
}

func (f sessionFixture) mustCreate(t *testing.T, p domain.Principal) string {
	t.Helper()
	id, _, err := f.sessions.Create(t.Context(), p)
	if err != nil {
		t.Fatalf("Create(%s): %v", p.Subject, err)
	}
	return id
}

func wantNoSession(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, app.ErrNoSession) {
		t.Fatalf("error = %v, want app.ErrNoSession", err)
	}
}

func TestSessionCreateStoresOnlyTheHashOfTheID(t *testing.T) {
	f := newSessions(app.SessionConfig{TTL: time.Hour})
	id, sess, err := f.sessions.Create(t.Context(), alice)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if id == "" || sess.IDHash != domain.HashSecret(id) || sess.IDHash == id {
		t.Fatalf("id %q, IDHash %q: want a non-empty id stored as its hash", id, sess.IDHash)
	}
	stored, err := f.store.ListSessions(t.Context(), "alice", domain.SessionMCP, f.clock.Now())
	if err != nil {
		t.Fatalf("ListSessions: %v", err)
	}
	if len(stored) != 1 {
		t.Fatalf("stored %d sessions, want 1", len(stored))
	}
	got := stored[0]
	if got.IDHash != domain.HashSecret(id) {
		t.Errorf("stored IDHash = %q, want hash of the id", got.IDHash)
	}
	if got.Subject != "alice" || got.ClientID != publicID || got.Kind != domain.SessionMCP {
		t.Errorf("stored session = %+v, want alice's MCP session for %s", got, publicID)
	}
	if want := f.clock.Now().Add(time.Hour); !got.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v, want now+TTL %v", got.ExpiresAt, want)
	}
	if _, err := f.store.GetSession(t.Context(), id, f.clock.Now()); err == nil {
		t.Error("the raw id finds a stored session; only its hash may")
	}
}

func TestSessionCreateCapsSessionsPerUser(t *testing.T) {
	tests := []struct {
		name      string
		max       int
		creates   int
		wantLimit bool
	}{
		{"third over a cap of two", 2, 3, true},
		{"two within a cap of two", 2, 2, false},
		{"no cap when zero", 0, 5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessions(app.SessionConfig{TTL: time.Hour, MaxPerUser: tt.max})
			var err error
			for range tt.creates {
				if _, _, err = f.sessions.Create(t.Context(), alice); err != nil {
					break
				}
			}
			if got := errors.Is(err, app.ErrSessionLimit); got != tt.wantLimit {
				t.Fatalf("last Create error = %v, want ErrSessionLimit: %v", err, tt.wantLimit)
			}
			if !tt.wantLimit && err != nil {
				t.Fatalf("Create: %v", err)
			}
			// The cap is per user: another user is unaffected.
			if _, _, err := f.sessions.Create(t.Context(), bob); err != nil {
				t.Errorf("bob's Create after alice's: %v", err)
			}
		})
	}
}

func TestSessionExpiry(t *testing.T) {
	const ttl = 10 * time.Minute
	tests := []struct {
		name string
		cfg  app.SessionConfig
		// steps advance the clock, then Use; wantAlive says whether it works.
		steps []struct {
			advance   time.Duration
			wantAlive bool
		}
	}{
		{
			name: "sliding use keeps it alive past the original TTL",
			cfg:  app.SessionConfig{TTL: ttl, Sliding: true},
			steps: []struct {
				advance   time.Duration
				wantAlive bool
			}{{8 * time.Minute, true}, {8 * time.Minute, true}, {8 * time.Minute, true}, {ttl, false}},
		},
		{
			name: "sliding never past MaxAge",
			cfg:  app.SessionConfig{TTL: ttl, Sliding: true, MaxAge: 20 * time.Minute},
			steps: []struct {
				advance   time.Duration
				wantAlive bool
			}{{8 * time.Minute, true}, {8 * time.Minute, true}, {4*time.Minute - time.Second, true}, {time.Second, false}},
		},
		{
			name: "without sliding it expires at TTL despite use",
			cfg:  app.SessionConfig{TTL: ttl},
			steps: []struct {
				advance   time.Duration
				wantAlive bool
			}{{8 * time.Minute, true}, {2*time.Minute - time.Second, true}, {time.Second, false}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessions(tt.cfg)
			id := f.mustCreate(t, alice)
			for i, s := range tt.steps {
				f.clock.Advance(s.advance)
				sess, err := f.sessions.Use(t.Context(), alice, id)
				if s.wantAlive && err != nil {
					t.Fatalf("step %d: Use: %v, want alive", i, err)
				}
				if !s.wantAlive {
					wantNoSession(t, err)
					continue
				}
				if tt.cfg.MaxAge > 0 && sess.ExpiresAt.After(sess.CreatedAt.Add(tt.cfg.MaxAge)) {
					t.Errorf("step %d: ExpiresAt %v beyond MaxAge from %v", i, sess.ExpiresAt, sess.CreatedAt)
				}
			}
		})
	}
}

func TestSessionSlidingUpdatesTheStore(t *testing.T) {
	f := newSessions(app.SessionConfig{TTL: 10 * time.Minute, Sliding: true})
	id := f.mustCreate(t, alice)
	f.clock.Advance(5 * time.Minute)
	sess, err := f.sessions.Use(t.Context(), alice, id)
	if err != nil {
		t.Fatalf("Use: %v", err)
	}
	want := f.clock.Now().Add(10 * time.Minute)
	if !sess.ExpiresAt.Equal(want) || !sess.LastUsed.Equal(f.clock.Now()) {
		t.Errorf("Use returned ExpiresAt %v LastUsed %v, want %v and now", sess.ExpiresAt, sess.LastUsed, want)
	}
	stored, err := f.store.GetSession(t.Context(), domain.HashSecret(id), f.clock.Now())
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if !stored.ExpiresAt.Equal(want) {
		t.Errorf("stored ExpiresAt = %v, want %v", stored.ExpiresAt, want)
	}
}

// Another user's session, a deleted one, an unknown id and a browser login
// session must all look the same, so session ids cannot be probed.
func TestSessionNotUsableByOthers(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the id to try as alice.
		setup func(t *testing.T, f sessionFixture) string
		call  func(t *testing.T, f sessionFixture, id string) error
	}{
		{"unknown id on Use", func(*testing.T, sessionFixture) string { return "no-such-session" }, use},
		{"empty id on Use", func(*testing.T, sessionFixture) string { return "" }, use},
		{"unknown id on Delete", func(*testing.T, sessionFixture) string { return "no-such-session" }, del},
		{"another user's session on Use", bobsSession, use},
		{"another user's session on Delete", bobsSession, del},
		{"deleted session on Use", func(t *testing.T, f sessionFixture) string {
			id := f.mustCreate(t, alice)
			if err := f.sessions.Delete(t.Context(), alice, id); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			return id
		}, use},
		{"browser session on Use", browserSession, use},
		{"browser session on Delete", browserSession, del},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessions(app.SessionConfig{TTL: time.Hour, Sliding: true})
			id := tt.setup(t, f)
			wantNoSession(t, tt.call(t, f, id))
		})
	}
}

func use(t *testing.T, f sessionFixture, id string) error {
	_, err := f.sessions.Use(t.Context(), alice, id)
	return err
}

func del(t *testing.T, f sessionFixture, id string) error {
	return f.sessions.Delete(t.Context(), alice, id)
}

func bobsSession(t *testing.T, f sessionFixture) string {
	t.Helper()
	return f.mustCreate(t, bob)
}

// browserSession stores alice's browser login session and returns its id.
func browserSession(t *testing.T, f sessionFixture) string {
	t.Helper()
	const id = "browser-login-session-id"
	now := f.clock.Now()
	s := domain.Session{
		IDHash: domain.HashSecret(id), Kind: domain.SessionBrowser, Subject: "alice",
		CreatedAt: now, LastUsed: now, ExpiresAt: now.Add(time.Hour),
	}
	if err := f.store.CreateSession(t.Context(), s, 0, now); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	return id
}

func TestSessionFailedUseOrDeleteLeavesTheOwnersSession(t *testing.T) {
	f := newSessions(app.SessionConfig{TTL: time.Hour, Sliding: true})
	id := f.mustCreate(t, bob)
	if err := f.sessions.Delete(t.Context(), alice, id); !errors.Is(err, app.ErrNoSession) {
		t.Fatalf("alice deletes bob's session: %v, want ErrNoSession", err)
	}
	if _, err := f.sessions.Use(t.Context(), bob, id); err != nil {
		t.Fatalf("bob's session after alice's Delete: %v", err)
	}
	if err := f.sessions.Delete(t.Context(), bob, id); err != nil {
		t.Fatalf("bob deletes his session: %v", err)
	}
	if _, err := f.sessions.Use(t.Context(), bob, id); !errors.Is(err, app.ErrNoSession) {
		t.Fatalf("Use after Delete: %v, want ErrNoSession", err)
	}
}
