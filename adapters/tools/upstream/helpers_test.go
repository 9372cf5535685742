package upstream_test

//lint:file-ignore SA1019 sampling, roots and logging are deprecated from 2026-07-28 but still carried for 2025-11-25 peers, which the gateway relays

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/tools/upstream"
	"gatehouse/app"
	"gatehouse/domain"
)

// fakeUpstream is an MCP server run in process, reached over in-memory
// transports; each connection is a new session, as a restarted child would
// be.
type fakeUpstream struct {
	server *mcpsdk.Server

	mu       sync.Mutex
	sessions []*mcpsdk.ServerSession
	refuse   bool // refuse new connections, like a command that cannot start
	received []mcpsdk.Meta
}

func newFakeUpstream(opts *mcpsdk.ServerOptions) *fakeUpstream {
	f := &fakeUpstream{server: mcpsdk.NewServer(&mcpsdk.Implementation{Name: "fake", Version: "1"}, opts)}
	f.server.AddReceivingMiddleware(func(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
		return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
			if p, ok := req.GetParams().(interface{ GetMeta() map[string]any }); ok && method == "tools/call" {
				f.mu.Lock()
				f.received = append(f.received, p.GetMeta())
				f.mu.Unlock()
			}
			return next(ctx, method, req)
		}
	})
	return f
}

func (f *fakeUpstream) connect(ctx context.Context, _ *slog.Logger) (mcpsdk.Transport, error) {
	f.mu.Lock()
	refuse := f.refuse
	f.mu.Unlock()
	if refuse {
		return nil, errRefused
	}
	ct, st := mcpsdk.NewInMemoryTransports()
	ss, err := f.server.Connect(ctx, st, nil)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.sessions = append(f.sessions, ss)
	f.mu.Unlock()
	return ct, nil
}

type refusedError struct{}

func (refusedError) Error() string { return "connection refused" }

var errRefused = refusedError{}

// crash ends the current session, as a child process dying would.
func (f *fakeUpstream) crash(refuseRestart bool) {
	f.mu.Lock()
	f.refuse = refuseRestart
	sessions := f.sessions
	f.sessions = nil
	f.mu.Unlock()
	for _, ss := range sessions {
		_ = ss.Close()
	}
}

func (f *fakeUpstream) allowRestart() {
	f.mu.Lock()
	f.refuse = false
	f.mu.Unlock()
}

func (f *fakeUpstream) connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sessions)
}

func (f *fakeUpstream) metas() []mcpsdk.Meta {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mcpsdk.Meta(nil), f.received...)
}

// front is Gatehouse's side: an SDK server with the gateway registered and
// a middleware that puts an authenticated caller in every request, and a
// client connected to it.
type front struct {
	gw     *upstream.Gateway
	server *mcpsdk.Server
	client *mcpsdk.ClientSession

	mu       sync.Mutex
	changed  int
	progress []*mcpsdk.ProgressNotificationParams
	logs     []*mcpsdk.LoggingMessageParams
}

type frontOptions struct {
	scopes   string
	reserved []string
	client   *mcpsdk.ClientOptions
	mw       mcpsdk.Middleware // on the calling client's receiving side
	protocol string            // the caller's revision (default 2025-11-25)
}

func startFront(t testing.TB, cfgs []upstream.Config, o frontOptions) *front {
	t.Helper()
	if o.scopes == "" {
		o.scopes = "read write admin"
	}
	gw := upstream.New(cfgs, upstream.Options{
		Logger:     testLogger(t),
		Version:    "test",
		Reserved:   o.reserved,
		MinBackoff: 10 * time.Millisecond,
		MaxBackoff: 50 * time.Millisecond,
	})
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "gatehouse", Version: "test"}, &mcpsdk.ServerOptions{
		CompletionHandler:  gw.Complete,
		SubscribeHandler:   gw.Subscribe,
		UnsubscribeHandler: gw.Unsubscribe,
	})
	gw.Register(srv)
	caller := app.Caller{Principal: domain.Principal{Subject: "alice", ClientID: "cli", Scopes: domain.ParseScopes(o.scopes)}}
	srv.AddReceivingMiddleware(func(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
		return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
			return next(app.WithCaller(ctx, caller), method, req)
		}
	})
	if err := gw.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(gw.Close)
	f := &front{gw: gw, server: srv}
	opts := o.client
	if opts == nil {
		opts = &mcpsdk.ClientOptions{}
	}
	opts.ToolListChangedHandler = func(context.Context, *mcpsdk.ToolListChangedRequest) {
		f.mu.Lock()
		f.changed++
		f.mu.Unlock()
	}
	opts.ProgressNotificationHandler = func(_ context.Context, r *mcpsdk.ProgressNotificationClientRequest) {
		f.mu.Lock()
		f.progress = append(f.progress, r.Params)
		f.mu.Unlock()
	}
	opts.LoggingMessageHandler = func(_ context.Context, r *mcpsdk.LoggingMessageRequest) {
		f.mu.Lock()
		f.logs = append(f.logs, r.Params)
		f.mu.Unlock()
	}
	ct, st := mcpsdk.NewInMemoryTransports()
	if _, err := srv.Connect(t.Context(), st, nil); err != nil {
		t.Fatal(err)
	}
	client := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "caller", Version: "1"}, opts)
	if o.mw != nil {
		client.AddReceivingMiddleware(o.mw)
	}
	if o.protocol == "" {
		o.protocol = "2025-11-25"
	}
	cs, err := client.Connect(t.Context(), ct, &mcpsdk.ClientSessionOptions{ProtocolVersion: o.protocol})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	f.client = cs
	return f
}

// connect opens another caller session on Gatehouse's server.
func (f *front) connect(t *testing.T) *mcpsdk.ClientSession {
	t.Helper()
	ct, st := mcpsdk.NewInMemoryTransports()
	if _, err := f.server.Connect(t.Context(), st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "caller", Version: "1"}, nil).
		Connect(t.Context(), ct, &mcpsdk.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func (f *front) toolNames(t *testing.T) []string {
	t.Helper()
	res, err := f.client.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	return names
}

func (f *front) call(t *testing.T, name string, args map[string]any) *mcpsdk.CallToolResult {
	t.Helper()
	res, err := f.client.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("CallTool %s: %v", name, err)
	}
	return res
}

func text(r *mcpsdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		if tc, ok := c.(*mcpsdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func cfg(name string, f *fakeUpstream) upstream.Config {
	return upstream.Config{Name: name, Prefix: name + "_", Connect: f.connect, Timeout: 5 * time.Second}
}

type echoIn struct {
	Text string `json:"text"`
}

type echoOut struct {
	Echo string `json:"echo"`
}

func addEcho(s *mcpsdk.Server, name string, ann *mcpsdk.ToolAnnotations) {
	mcpsdk.AddTool(s, &mcpsdk.Tool{Name: name, Description: "echoes", Annotations: ann},
		func(_ context.Context, _ *mcpsdk.CallToolRequest, in echoIn) (*mcpsdk.CallToolResult, echoOut, error) {
			return nil, echoOut{Echo: in.Text}, nil
		})
}

// testLogger writes the gateway's log to the test's, visible with -v or on
// failure.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
