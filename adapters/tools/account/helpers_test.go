package account_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/store/memory"
	"gatehouse/adapters/tools/account"
	"gatehouse/app"
	"gatehouse/domain"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// fakeAudit serves preset invocations and remembers the limit asked for.
type fakeAudit struct {
	mu        sync.Mutex
	invs      []domain.ToolInvocation
	lastLimit int
}

func (a *fakeAudit) RecordInvocation(_ context.Context, inv domain.ToolInvocation) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.invs = append([]domain.ToolInvocation{inv}, a.invs...)
	return nil
}

func (a *fakeAudit) RecentInvocations(_ context.Context, limit int) ([]domain.ToolInvocation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.lastLimit = limit
	return append([]domain.ToolInvocation(nil), a.invs[:min(limit, len(a.invs))]...), nil
}

func (a *fakeAudit) limitAsked() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastLimit
}

const secretHash = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8"

type fixture struct {
	store *memory.Store
	audit *fakeAudit
	acc   *app.Accounts
}

// newFixture seeds two clients, grants of alice and bob (one of alice's
// expired, one revoked), sessions of both kinds and an audit trail.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := t.Context()
	st := memory.New()
	f := &fixture{store: st, audit: &fakeAudit{}}
	f.acc = &app.Accounts{
		Clients: st, Grants: st, Revocations: st, Sessions: st, Audit: f.audit,
		AccessTokenTTL: time.Hour, Clock: func() time.Time { return t0 },
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateClient(ctx, domain.Client{
		ID: "demo-public", Name: "Demo", RedirectURIs: []string{"http://localhost:3000/callback"},
		GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}, TokenEndpointAuthMethod: domain.AuthMethodNone,
		Scopes: domain.NewScopes("read", "write"), CreatedAt: t0.Add(-48 * time.Hour),
	}))
	must(st.CreateClient(ctx, domain.Client{
		ID: "demo-service", Name: "Service", SecretHash: secretHash, GrantTypes: []string{domain.GrantClientCredentials},
		TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic, Scopes: domain.NewScopes("read"),
	}))
	grant := func(id, subject string, created time.Time, life time.Duration) domain.Grant {
		return domain.Grant{
			ID: id, ClientID: "demo-public", Subject: subject, Scopes: domain.NewScopes("read", "write"),
			CreatedAt: created, ExpiresAt: created.Add(life),
		}
	}
	for _, g := range []domain.Grant{
		grant("g-alice-1", "alice", t0.Add(-2*time.Hour), 30*24*time.Hour),
		grant("g-alice-2", "alice", t0.Add(-time.Hour), 30*24*time.Hour),
		grant("g-alice-old", "alice", t0.Add(-40*24*time.Hour), 30*24*time.Hour),
		grant("g-alice-revoked", "alice", t0.Add(-3*time.Hour), 30*24*time.Hour),
		grant("g-bob-1", "bob", t0.Add(-time.Hour), 30*24*time.Hour),
	} {
		must(st.CreateGrant(ctx, g))
	}
	must(st.RevokeGrant(ctx, "g-alice-revoked", t0.Add(-time.Minute)))
	session := func(hash, kind, subject string) domain.Session {
		return domain.Session{
			IDHash: hash, Kind: kind, Subject: subject, ClientID: "demo-public",
			CreatedAt: t0.Add(-time.Hour), LastUsed: t0.Add(-time.Minute), ExpiresAt: t0.Add(time.Hour),
		}
	}
	for _, s := range []domain.Session{
		session("hash-alice-mcp", domain.SessionMCP, "alice"),
		session("hash-alice-browser", domain.SessionBrowser, "alice"),
		session("hash-bob-mcp", domain.SessionMCP, "bob"),
	} {
		must(st.CreateSession(ctx, s, 0, t0))
	}
	for i := range 3 {
		must(f.audit.RecordInvocation(ctx, domain.ToolInvocation{
			At: t0.Add(time.Duration(i) * time.Minute), Subject: "bob", ClientID: "demo-public", Tool: "whoami",
			Transport: app.TransportHTTP, Outcome: "ok", Duration: 1500 * time.Microsecond,
			Arguments: map[string]any{"x": "[redacted]"},
		}))
	}
	return f
}

var (
	alice = domain.Principal{Subject: "alice", ClientID: "demo-public", Scopes: domain.NewScopes("read", "write"), ExpiresAt: t0.Add(time.Hour)}
	admin = domain.Principal{Subject: "admin", ClientID: "demo-public", Scopes: domain.NewScopes("admin", "read", "write"), ExpiresAt: t0.Add(time.Hour)}
)

// connect runs the tools on an in-memory server whose context carries
// caller (none when nil), as the MCP layer arranges.
func connect(t *testing.T, acc *app.Accounts, caller *app.Caller) *mcpsdk.ClientSession {
	t.Helper()
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "account-test", Version: "1"}, nil)
	account.Register(srv, acc)
	ctx := t.Context()
	if caller != nil {
		ctx = app.WithCaller(ctx, *caller)
	}
	st, ct := mcpsdk.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, st, nil)
	if err != nil {
		t.Fatalf("server connect: %v", err)
	}
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatalf("client connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func as(p domain.Principal) *app.Caller {
	return &app.Caller{Principal: p, Transport: app.TransportHTTP}
}

func call(t *testing.T, cs *mcpsdk.ClientSession, tool string, args map[string]any) *mcpsdk.CallToolResult {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: tool, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool(%s): %v", tool, err)
	}
	return res
}

// decode reads a successful result's structured content.
func decode[T any](t *testing.T, res *mcpsdk.CallToolResult) T {
	t.Helper()
	var out T
	if res.IsError {
		t.Fatalf("tool failed: %s", errorText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return out
}

func errorText(res *mcpsdk.CallToolResult) string {
	for _, c := range res.Content {
		if tc, ok := c.(*mcpsdk.TextContent); ok {
			return tc.Text
		}
	}
	return ""
}
