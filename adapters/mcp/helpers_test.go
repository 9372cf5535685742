package mcp_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/mcp"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fakeAudit keeps every recorded invocation.
type fakeAudit struct {
	mu   sync.Mutex
	invs []domain.ToolInvocation
}

func (a *fakeAudit) RecordInvocation(_ context.Context, inv domain.ToolInvocation) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invs = append(a.invs, inv)
	return nil
}

func (a *fakeAudit) all() []domain.ToolInvocation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]domain.ToolInvocation(nil), a.invs...)
}

// fakeLimiter allows the first n events per key; AllowFn, when set, decides
// instead.
type fakeLimiter struct {
	mu      sync.Mutex
	n       int
	counts  map[string]int
	AllowFn func(key string) (ports.RateDecision, error)
}

func (l *fakeLimiter) Allow(_ context.Context, key string, limit int, window time.Duration, now time.Time) (ports.RateDecision, error) {
	if l.AllowFn != nil {
		return l.AllowFn(key)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = map[string]int{}
	}
	l.counts[key]++
	used := l.counts[key]
	return ports.RateDecision{Allowed: used <= l.n, Limit: l.n, Remaining: max(l.n-used, 0), Reset: now.Add(window)}, nil
}

type echoIn struct {
	Text string `json:"text" jsonschema:"text to echo back"`
}

type echoOut struct {
	Text    string `json:"text" jsonschema:"the text"`
	Subject string `json:"subject" jsonschema:"who called"`
}

// registerTestTools adds echo (read), note_write (write), admin_purge
// (admin) and boom (read, always fails). echo takes its time on the fake
// clock, so durations are exact.
func registerTestTools(clock *fakeClock) func(*mcpsdk.Server) {
	return func(s *mcpsdk.Server) {
		mcpsdk.AddTool(s, &mcpsdk.Tool{Name: "echo", Description: "echoes text"},
			func(ctx context.Context, _ *mcpsdk.CallToolRequest, in echoIn) (*mcpsdk.CallToolResult, echoOut, error) {
				c, ok := app.CallerFrom(ctx)
				if !ok {
					return nil, echoOut{}, errors.New("no caller")
				}
				clock.Advance(250 * time.Millisecond)
				return nil, echoOut{Text: in.Text, Subject: c.Principal.Subject}, nil
			})
		mcpsdk.AddTool(s, &mcpsdk.Tool{Name: "note_write", Description: "writes a note"},
			func(context.Context, *mcpsdk.CallToolRequest, echoIn) (*mcpsdk.CallToolResult, echoOut, error) {
				return nil, echoOut{Text: "written"}, nil
			})
		mcpsdk.AddTool(s, &mcpsdk.Tool{Name: "admin_purge", Description: "purges everything"},
			func(context.Context, *mcpsdk.CallToolRequest, echoIn) (*mcpsdk.CallToolResult, echoOut, error) {
				return nil, echoOut{Text: "purged"}, nil
			})
		mcpsdk.AddTool(s, &mcpsdk.Tool{Name: "boom", Description: "always fails"},
			func(context.Context, *mcpsdk.CallToolRequest, echoIn) (*mcpsdk.CallToolResult, echoOut, error) {
				return nil, echoOut{}, errors.New("exploded on " + "purpose")
			})
	}
}

func testPolicy() domain.ToolPolicy {
	return domain.ToolPolicy{
		Rules: []domain.ToolRule{
			{Match: "note_*", Scopes: domain.NewScopes("write")},
			{Match: "admin_*", Scopes: domain.NewScopes("admin")},
		},
		Default:      domain.NewScopes("read"),
		Implications: domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
	}
}

type fixture struct {
	srv   *mcp.Server
	gate  *app.ToolGate
	audit *fakeAudit
	clock *fakeClock
}

func newFixture(t *testing.T, configure func(*app.ToolGate)) *fixture {
	t.Helper()
	f := &fixture{audit: &fakeAudit{}, clock: newFakeClock()}
	f.gate = &app.ToolGate{Policy: testPolicy(), Audit: f.audit, Clock: f.clock.Now}
	if configure != nil {
		configure(f.gate)
	}
	f.srv = mcp.NewServer(mcp.Config{Name: "gatehouse-test", Version: "0.0.1"}, f.gate, mcp.ProviderFunc(registerTestTools(f.clock)))
	return f
}

func principal(subject string, scopes ...string) domain.Principal {
	return domain.Principal{
		Subject: subject, ClientID: "client-" + subject, Scopes: domain.NewScopes(scopes...),
		ExpiresAt: time.Now().Add(time.Hour),
	}
}

var (
	bob   = principal("bob", "read")
	alice = principal("alice", "read", "write")
	admin = principal("admin", "admin")
)

// connect opens an in-memory client session whose server side runs with
// caller in its context.
func (f *fixture) connect(t *testing.T, caller *app.Caller) *mcpsdk.ClientSession {
	t.Helper()
	ctx := t.Context()
	sctx := ctx
	if caller != nil {
		sctx = app.WithCaller(ctx, *caller)
	}
	st, ct := mcpsdk.NewInMemoryTransports()
	ss, err := f.srv.SDK().Connect(sctx, st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test-client", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func toolNames(res *mcpsdk.ListToolsResult) []string {
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}
