package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	ratemem "gatehouse/adapters/ratelimit/memory"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

const (
	// The fake clock starts on the hour, at the start of a 15-minute
	// window: the first lockout lasts the whole window.
	throttledIn15 = "Too many failed logins; try again in 15 minutes."
	addrA         = "203.0.113.7"
	addrB         = "198.51.100.9"
)

// throttled turns on login throttling: attempts failures per window, counted
// by limiter.
func throttled(attempts int, limiter ports.RateLimiter) func(*app.AuthServerConfig, *app.AuthServerDeps) {
	return func(c *app.AuthServerConfig, d *app.AuthServerDeps) {
		c.LoginAttempts, c.LoginWindow, d.LoginLimiter = attempts, 15*time.Minute, limiter
	}
}

// loginPage is one browser with a pending authorization request, posting
// the login form from one address.
type loginPage struct {
	h   *harness
	b   *browser
	req string
}

func newLoginPage(t *testing.T, h *harness) *loginPage {
	t.Helper()
	b := &browser{}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	return &loginPage{h: h, b: b, req: out.Request.ID}
}

func (p *loginPage) submit(t *testing.T, ip, user, pw string) (app.AuthorizeOutcome, error) {
	t.Helper()
	return p.h.srv.Login(t.Context(), app.LoginParams{
		RequestID: p.req, BrowserSecret: p.b.secret, Username: user, Password: pw, ClientIP: ip,
	})
}

// wantLoginError fails unless the attempt was refused on the login page
// with msg.
func (p *loginPage) wantLoginError(t *testing.T, ip, user, pw, msg string) {
	t.Helper()
	out, err := p.submit(t, ip, user, pw)
	out = mustStep(t, out, err, app.StepLogin)
	if out.LoginError != msg {
		t.Fatalf("login %s from %s: LoginError = %q, want %q", user, ip, out.LoginError, msg)
	}
	if out.NewLoginSecret != "" {
		t.Fatalf("login %s from %s: refused, yet a login session was created", user, ip)
	}
}

// wantLoggedIn fails unless the attempt logged in.
func (p *loginPage) wantLoggedIn(t *testing.T, ip, user, pw string) {
	t.Helper()
	out, err := p.submit(t, ip, user, pw)
	if err != nil {
		t.Fatalf("login %s from %s: %v", user, ip, err)
	}
	if out.NewLoginSecret == "" {
		t.Fatalf("login %s from %s did not log in: %+v", user, ip, out)
	}
}

// After the allowed failures a username is refused before its password is
// checked, even the right one, until the window ends.
func TestLoginThrottlesFailuresPerUsername(t *testing.T) {
	rec := &recordingHasher{}
	h := newHarness(t, throttled(3, ratemem.New()), func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		rec.PasswordHasher = d.Passwords
		d.Passwords = rec
	})
	p := newLoginPage(t, h)
	// Every attempt comes from another address: only the username counts.
	p.wantLoginError(t, "192.0.2.1", "alice", "guess-1", "Invalid username or password.")
	p.wantLoginError(t, "192.0.2.2", "alice", "guess-2", "Invalid username or password.")
	p.wantLoginError(t, "192.0.2.3", "alice", "guess-3", throttledIn15)

	checked := len(rec.checks())
	p.wantLoginError(t, "192.0.2.4", "alice", alicePassword, throttledIn15)
	if got := len(rec.checks()); got != checked {
		t.Errorf("a throttled attempt checked the password (%d checks, want %d)", got, checked)
	}
	// Other usernames are not affected.
	p.wantLoggedIn(t, "192.0.2.5", "bob", bobPassword)

	h.clock.Advance(14*time.Minute + 30*time.Second)
	newLoginPage(t, h).wantLoginError(t, "192.0.2.6", "alice", alicePassword, "Too many failed logins; try again in 1 minute.")
	h.clock.Advance(time.Minute)
	newLoginPage(t, h).wantLoggedIn(t, "192.0.2.7", "alice", alicePassword)
}

// Throttling answers the same for a username that does not exist, so that
// it reveals nobody.
func TestLoginThrottlingDoesNotRevealUsers(t *testing.T) {
	h := newHarness(t, throttled(2, ratemem.New()))
	p := newLoginPage(t, h)
	var got []string
	for _, user := range []string{"alice", "mallory"} {
		for range 3 {
			out, err := p.submit(t, "", user, "wrong")
			out = mustStep(t, out, err, app.StepLogin)
			got = append(got, out.LoginError)
		}
	}
	want := []string{badLoginText, throttledIn15, throttledIn15}
	for i, msg := range got {
		if msg != want[i%3] {
			t.Errorf("attempt %d (%s): LoginError = %q, want %q", i%3+1, []string{"alice", "mallory"}[i/3], msg, want[i%3])
		}
	}
}

const badLoginText = "Invalid username or password."

// Successful logins are not failures: however often a user logs in, one
// mistake afterwards is just a wrong password.
func TestLoginSuccessesDoNotCount(t *testing.T) {
	h := newHarness(t, throttled(2, ratemem.New()))
	for range 5 {
		newLoginPage(t, h).wantLoggedIn(t, addrA, "alice", alicePassword)
	}
	newLoginPage(t, h).wantLoginError(t, addrA, "alice", "typo", badLoginText)
}

// One address trying many usernames is stopped too; other addresses go on.
func TestLoginThrottlesFailuresPerAddress(t *testing.T) {
	h := newHarness(t, throttled(2, ratemem.New()))
	p := newLoginPage(t, h)
	p.wantLoginError(t, addrA, "alice", "guess", badLoginText)
	p.wantLoginError(t, addrA, "bob", "guess", throttledIn15)
	p.wantLoginError(t, addrA, "bob", bobPassword, throttledIn15)
	// bob has one failure of two: from another address he logs in.
	p.wantLoggedIn(t, addrB, "bob", bobPassword)
}

// Replicas share the counts through the limiter: once the username is over
// its limit, a replica that has not seen it yet refuses after its first
// failure, and then refuses the right password unchecked too.
func TestLoginThrottlingAcrossReplicas(t *testing.T) {
	shared := ratemem.New()
	a := newHarness(t, throttled(2, shared))
	b := newHarness(t, throttled(2, shared))
	pa := newLoginPage(t, a)
	pa.wantLoginError(t, addrA, "alice", "guess-1", badLoginText)
	pa.wantLoginError(t, addrA, "alice", "guess-2", throttledIn15)

	pb := newLoginPage(t, b)
	pb.wantLoginError(t, addrB, "alice", "guess-3", throttledIn15)
	pb.wantLoginError(t, addrB, "alice", alicePassword, throttledIn15)
}

// Without a limiter or with no attempts configured, failures never lock.
func TestLoginThrottlingOff(t *testing.T) {
	tests := []struct {
		name string
		edit func(*app.AuthServerConfig, *app.AuthServerDeps)
	}{
		{"no limiter", throttled(2, nil)},
		{"zero attempts", throttled(0, ratemem.New())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.edit)
			p := newLoginPage(t, h)
			for range 4 {
				p.wantLoginError(t, addrA, "alice", "guess", badLoginText)
			}
			p.wantLoggedIn(t, addrA, "alice", alicePassword)
		})
	}
}

// uncountingLimiter cannot count.
type uncountingLimiter struct{ calls int }

func (d *uncountingLimiter) Allow(context.Context, string, int, time.Duration, time.Time) (ports.RateDecision, error) {
	d.calls++
	return ports.RateDecision{}, errDown
}

// A failure the limiter cannot count is an error (503 at the edge), never a
// silent pass; a right password needs no limiter.
func TestLoginLimiterDown(t *testing.T) {
	lim := &uncountingLimiter{}
	h := newHarness(t, throttled(2, lim))
	p := newLoginPage(t, h)
	_, err := p.submit(t, addrA, "alice", "guess")
	wantCode(t, err, domain.CodeTemporarilyUnavailable)
	calls := lim.calls
	p.wantLoggedIn(t, addrA, "alice", alicePassword)
	if lim.calls != calls {
		t.Errorf("a successful login called the limiter %d times", lim.calls-calls)
	}
}

// keyRecorder remembers the keys it was asked to count.
type keyRecorder struct {
	ports.RateLimiter
	keys []string
}

func (k *keyRecorder) Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (ports.RateDecision, error) {
	k.keys = append(k.keys, key)
	return k.RateLimiter.Allow(ctx, key, limit, window, now)
}

// Whatever username a form sends, the limiter gets short keys without NUL
// bytes, which every limiter backend can keep: one per username, one per
// address.
func TestLoginKeysAreStorable(t *testing.T) {
	rec := &keyRecorder{RateLimiter: ratemem.New()}
	h := newHarness(t, throttled(5, rec))
	p := newLoginPage(t, h)
	odd := "a\x00" + strings.Repeat("x", 5000)
	p.wantLoginError(t, addrA, odd, "guess", badLoginText)
	p.wantLoginError(t, addrA, "alice", "guess", badLoginText)
	if len(rec.keys) != 4 {
		t.Fatalf("limiter keys = %q, want a username key and an address key per failure", rec.keys)
	}
	for _, k := range rec.keys {
		if len(k) > 100 || strings.ContainsRune(k, 0) {
			t.Errorf("limiter key %q is long or has a NUL byte", k)
		}
	}
	if rec.keys[1] != "login-ip:"+addrA || rec.keys[0] == rec.keys[2] {
		t.Errorf("limiter keys = %q, want distinct username keys and login-ip:%s", rec.keys, addrA)
	}
}
