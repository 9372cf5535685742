package upstream_test

//lint:file-ignore SA1019 sampling, roots and logging are deprecated from 2026-07-28 but still carried for 2025-11-25 peers, which the gateway relays

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/tools/upstream"
	"gatehouse/domain"
)

func TestToolsAreExportedUnderThePrefixWithSchemasAndHintScopes(t *testing.T) {
	up := newFakeUpstream(nil)
	yes := true
	addEcho(up.server, "get_rows", &mcpsdk.ToolAnnotations{ReadOnlyHint: true, Title: "Rows"})
	addEcho(up.server, "drop_table", &mcpsdk.ToolAnnotations{DestructiveHint: &yes})
	addEcho(up.server, "insert_row", nil)
	addEcho(up.server, "debug_dump", nil)
	c := cfg("db", up)
	c.Exclude = []string{"debug_*"}
	f := startFront(t, []upstream.Config{c}, frontOptions{})

	res, err := f.client.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*mcpsdk.Tool{}
	for _, tl := range res.Tools {
		got[tl.Name] = tl
	}
	if diff := cmp.Diff([]string{"db_drop_table", "db_get_rows", "db_insert_row"}, f.toolNames(t)); diff != "" {
		t.Fatalf("exported tools (-want +got):\n%s", diff)
	}
	orig, err := mustSession(t, up).ListTools(t.Context(), nil)
	_ = orig
	if err != nil {
		t.Fatal(err)
	}
	rows := got["db_get_rows"]
	if rows.Annotations == nil || !rows.Annotations.ReadOnlyHint || rows.Annotations.Title != "Rows" {
		t.Errorf("annotations not kept: %+v", rows.Annotations)
	}
	schema, _ := json.Marshal(rows.InputSchema)
	if !strings.Contains(string(schema), `"text"`) {
		t.Errorf("input schema lost its properties: %s", schema)
	}
	if rows.OutputSchema == nil {
		t.Error("output schema not kept")
	}
	for name, want := range map[string]domain.Scopes{
		"db_get_rows": {"read"}, "db_drop_table": {"admin"}, "db_insert_row": {"write"},
	} {
		if s, ok := f.gw.ToolScopes(name); !ok || !slices.Equal(s, want) {
			t.Errorf("ToolScopes(%s) = %v, %v; want %v", name, s, ok, want)
		}
	}
	if _, ok := f.gw.ToolScopes("db_debug_dump"); ok {
		t.Error("an excluded tool has scopes: it is exported")
	}
}

// mustSession connects a plain client straight to the fake upstream.
func mustSession(t *testing.T, up *fakeUpstream) *mcpsdk.ClientSession {
	t.Helper()
	tr, err := up.connect(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "direct", Version: "1"}, nil).Connect(t.Context(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func TestCallResultsPassThroughUnchanged(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "echo", nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "fail", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "no such row"}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("db", up)}, frontOptions{})

	res := f.call(t, "db_echo", map[string]any{"text": "hi"})
	if res.IsError {
		t.Fatalf("echo failed: %s", text(res))
	}
	if diff := cmp.Diff(map[string]any{"echo": "hi"}, res.StructuredContent); diff != "" {
		t.Errorf("structured content (-want +got):\n%s", diff)
	}
	res = f.call(t, "db_fail", nil)
	if !res.IsError || text(res) != "no such row" {
		t.Errorf("isError result = %v %q, want the upstream's error as it was", res.IsError, text(res))
	}
}

func TestNameTakenByGatehouseStopsStartUp(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "whoami", nil)
	c := cfg("x", up)
	c.Prefix = ""
	gw := upstream.New([]upstream.Config{c}, upstream.Options{Reserved: []string{"whoami"}})
	gw.Register(mcpsdk.NewServer(&mcpsdk.Implementation{Name: "g", Version: "1"}, nil))
	err := gw.Start(t.Context())
	if err == nil || !strings.Contains(err.Error(), `upstream "x"`) || !strings.Contains(err.Error(), "whoami") {
		t.Fatalf("Start = %v, want an error naming the upstream and the taken name", err)
	}
}

func TestTwoUpstreamsExportingOneNameStopStartUp(t *testing.T) {
	a, b := newFakeUpstream(nil), newFakeUpstream(nil)
	addEcho(a.server, "echo", nil)
	addEcho(b.server, "echo", nil)
	ca, cb := cfg("a", a), cfg("b", b)
	ca.Prefix, cb.Prefix = "same_", "same_"
	gw := upstream.New([]upstream.Config{ca, cb}, upstream.Options{})
	gw.Register(mcpsdk.NewServer(&mcpsdk.Implementation{Name: "g", Version: "1"}, nil))
	if err := gw.Start(t.Context()); err == nil || !strings.Contains(err.Error(), "same_echo") {
		t.Fatalf("Start = %v, want a collision on same_echo", err)
	}
}

func TestListChangesAreFollowedAndAnnounced(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "one", nil)
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	f.toolNames(t) // a listing client is told of changes

	addEcho(up.server, "two", nil)
	eventually(t, "u_two exported", func() bool { return slices.Contains(f.toolNames(t), "u_two") })
	eventually(t, "list_changed announced to the client", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.changed > 0
	})
	if res := f.call(t, "u_two", map[string]any{"text": "x"}); res.IsError {
		t.Fatalf("new tool failed: %s", text(res))
	}

	up.server.RemoveTools("one")
	eventually(t, "u_one withdrawn", func() bool { return !slices.Contains(f.toolNames(t), "u_one") })
	// The tool leaves the server first, its scope just after.
	eventually(t, "the withdrawn tool's scope forgotten", func() bool {
		_, ok := f.gw.ToolScopes("u_one")
		return !ok
	})
}

func TestDownUpstreamFailsFastThenRecovers(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "echo", nil)
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	if res := f.call(t, "u_echo", map[string]any{"text": "a"}); res.IsError {
		t.Fatalf("echo: %s", text(res))
	}

	up.crash(true)
	eventually(t, "status down", func() bool { return strings.HasPrefix(f.gw.Status()["u"], "down") })
	res := f.call(t, "u_echo", map[string]any{"text": "b"})
	if !res.IsError || !strings.Contains(text(res), `upstream "u" is unavailable`) {
		t.Fatalf("call to a down upstream = %v %q, want a tool error saying it is unavailable", res.IsError, text(res))
	}
	if !slices.Contains(f.toolNames(t), "u_echo") {
		t.Error("a down upstream's tools left the list")
	}

	up.allowRestart()
	eventually(t, "status up", func() bool { return f.gw.Status()["u"] == "up" })
	if res := f.call(t, "u_echo", map[string]any{"text": "c"}); res.IsError {
		t.Fatalf("after recovery: %s", text(res))
	}
}

func TestHangingUpstreamHitsTheTimeout(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "echo", nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "hang", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, _ *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		})
	c := cfg("u", up)
	c.Timeout = 200 * time.Millisecond
	f := startFront(t, []upstream.Config{c}, frontOptions{})

	res := f.call(t, "u_hang", nil)
	if !res.IsError || !strings.Contains(text(res), `upstream "u" did not answer within 200ms`) {
		t.Fatalf("hanging call = %v %q, want the timeout as a tool error", res.IsError, text(res))
	}
	if res := f.call(t, "u_echo", map[string]any{"text": "still here"}); res.IsError {
		t.Fatalf("after a timeout: %s", text(res))
	}
}

func TestConcurrencyLimitQueuesCalls(t *testing.T) {
	up := newFakeUpstream(nil)
	var mu sync.Mutex
	inFlight, most := 0, 0
	up.server.AddTool(&mcpsdk.Tool{Name: "slow", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, _ *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "done"}}}, nil
		})
	c := cfg("u", up)
	c.MaxConcurrency = 2
	f := startFront(t, []upstream.Config{c}, frontOptions{})

	var wg sync.WaitGroup
	results := make([]*mcpsdk.CallToolResult, 6)
	for i := range results {
		wg.Go(func() { results[i] = f.call(t, "u_slow", nil) })
	}
	wg.Wait()
	for i, r := range results {
		if r.IsError {
			t.Errorf("call %d: %s", i, text(r))
		}
	}
	if most != 2 {
		t.Errorf("the upstream saw %d calls at once, want the limit of 2 reached and kept", most)
	}
}

func TestProgressAndLogMessagesReachTheCaller(t *testing.T) {
	up := newFakeUpstream(nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "work", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			for i := 1; i <= 3; i++ {
				if err := req.Session.NotifyProgress(ctx, &mcpsdk.ProgressNotificationParams{
					ProgressToken: req.Params.GetProgressToken(), Progress: float64(i), Total: 3, Message: fmt.Sprint("step ", i),
				}); err != nil {
					return nil, err
				}
			}
			_ = req.Session.Log(ctx, &mcpsdk.LoggingMessageParams{Level: "info", Data: "working"})
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "ok"}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	if err := f.client.SetLoggingLevel(t.Context(), &mcpsdk.SetLoggingLevelParams{Level: "info"}); err != nil {
		t.Fatal(err)
	}
	res, err := f.client.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "u_work", Meta: mcpsdk.Meta{"progressToken": "mine"}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %v", err, res)
	}
	eventually(t, "three progress notifications", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.progress) == 3
	})
	eventually(t, "a log message", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return len(f.logs) > 0
	})
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range f.progress {
		if p.ProgressToken != "mine" || p.Progress != float64(i+1) || p.Total != 3 {
			t.Errorf("progress %d = %+v, want the caller's token and the upstream's numbers", i, p)
		}
	}
	if f.logs[0].Data != "working" {
		t.Errorf("log data = %v", f.logs[0].Data)
	}
}

func TestSamplingAndElicitationAreRelayedToTheCaller(t *testing.T) {
	up := newFakeUpstream(nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "ask", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			s, err := req.Session.CreateMessage(ctx, &mcpsdk.CreateMessageParams{
				Messages:  []*mcpsdk.SamplingMessage{{Role: "user", Content: &mcpsdk.TextContent{Text: "2+2?"}}},
				MaxTokens: 5,
			})
			if err != nil {
				return nil, err
			}
			e, err := req.Session.Elicit(ctx, &mcpsdk.ElicitParams{Message: "name?", RequestedSchema: map[string]any{
				"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}},
			}})
			if err != nil {
				return nil, err
			}
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{
				Text: s.Content.(*mcpsdk.TextContent).Text + "/" + e.Action + "/" + fmt.Sprint(e.Content["name"]),
			}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{client: &mcpsdk.ClientOptions{
		CreateMessageHandler: func(context.Context, *mcpsdk.CreateMessageRequest) (*mcpsdk.CreateMessageResult, error) {
			return &mcpsdk.CreateMessageResult{Role: "assistant", Model: "m", Content: &mcpsdk.TextContent{Text: "4"}}, nil
		},
		ElicitationHandler: func(context.Context, *mcpsdk.ElicitRequest) (*mcpsdk.ElicitResult, error) {
			return &mcpsdk.ElicitResult{Action: "accept", Content: map[string]any{"name": "ada"}}, nil
		},
	}})
	res := f.call(t, "u_ask", nil)
	if res.IsError || text(res) != "4/accept/ada" {
		t.Fatalf("result = %v %q, want the caller's answers", res.IsError, text(res))
	}
}

func TestSamplingWithoutACapableCallerIsAClearError(t *testing.T) {
	up := newFakeUpstream(nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "ask", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			_, err := req.Session.CreateMessage(ctx, &mcpsdk.CreateMessageParams{
				Messages: []*mcpsdk.SamplingMessage{{Role: "user", Content: &mcpsdk.TextContent{Text: "?"}}},
			})
			if err != nil {
				return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: err.Error()}}}, nil
			}
			return &mcpsdk.CallToolResult{}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{}) // a caller without sampling
	res := f.call(t, "u_ask", nil)
	if !res.IsError || !strings.Contains(strings.ToLower(text(res)), "sampling") {
		t.Fatalf("result = %v %q, want an error about sampling", res.IsError, text(res))
	}
}

func TestCallerIsForwardedInMetaOnlyWhenConfigured(t *testing.T) {
	for _, forward := range []bool{false, true} {
		t.Run(fmt.Sprint("forward=", forward), func(t *testing.T) {
			up := newFakeUpstream(nil)
			addEcho(up.server, "echo", nil)
			c := cfg("u", up)
			c.ForwardCaller = forward
			f := startFront(t, []upstream.Config{c}, frontOptions{scopes: "read write"})
			f.call(t, "u_echo", map[string]any{"text": "x"})
			metas := up.metas()
			if len(metas) != 1 {
				t.Fatalf("upstream saw %d calls", len(metas))
			}
			got, ok := metas[0][upstream.MetaCallerKey]
			if !forward {
				if ok {
					t.Errorf("caller forwarded without being configured: %v", got)
				}
				return
			}
			want := map[string]any{"sub": "alice", "client_id": "cli", "scope": "read write"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("_meta caller (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResourcesPromptsAndCompletionsAreReExported(t *testing.T) {
	up := newFakeUpstream(&mcpsdk.ServerOptions{
		CompletionHandler: func(_ context.Context, req *mcpsdk.CompleteRequest) (*mcpsdk.CompleteResult, error) {
			return &mcpsdk.CompleteResult{Completion: mcpsdk.CompletionResultDetails{
				Values: []string{"ref=" + req.Params.Ref.Name + req.Params.Ref.URI},
			}}, nil
		},
	})
	up.server.AddResource(&mcpsdk.Resource{URI: "test://static", Name: "static", MIMEType: "text/plain"},
		func(_ context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
			return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: req.Params.URI, Text: "hello"}}}, nil
		})
	up.server.AddResourceTemplate(&mcpsdk.ResourceTemplate{URITemplate: "test://item/{id}", Name: "item"},
		func(_ context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
			return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: req.Params.URI, Text: "item " + req.Params.URI}}}, nil
		})
	up.server.AddPrompt(&mcpsdk.Prompt{Name: "greet", Arguments: []*mcpsdk.PromptArgument{{Name: "who"}}},
		func(_ context.Context, req *mcpsdk.GetPromptRequest) (*mcpsdk.GetPromptResult, error) {
			return &mcpsdk.GetPromptResult{Messages: []*mcpsdk.PromptMessage{{Role: "user", Content: &mcpsdk.TextContent{Text: "hi " + req.Params.Arguments["who"]}}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	ctx := t.Context()

	r, err := f.client.ReadResource(ctx, &mcpsdk.ReadResourceParams{URI: "test://static"})
	if err != nil || r.Contents[0].Text != "hello" {
		t.Fatalf("read static: %v %+v", err, r)
	}
	r, err = f.client.ReadResource(ctx, &mcpsdk.ReadResourceParams{URI: "test://item/7"})
	if err != nil || r.Contents[0].Text != "item test://item/7" {
		t.Fatalf("read templated: %v %+v", err, r)
	}
	p, err := f.client.GetPrompt(ctx, &mcpsdk.GetPromptParams{Name: "u_greet", Arguments: map[string]string{"who": "ada"}})
	if err != nil || p.Messages[0].Content.(*mcpsdk.TextContent).Text != "hi ada" {
		t.Fatalf("prompt: %v %+v", err, p)
	}
	c, err := f.client.Complete(ctx, &mcpsdk.CompleteParams{
		Ref:      &mcpsdk.CompleteReference{Type: "ref/prompt", Name: "u_greet"},
		Argument: mcpsdk.CompleteParamsArgument{Name: "who", Value: "a"},
	})
	if err != nil || len(c.Completion.Values) != 1 || c.Completion.Values[0] != "ref=greet" {
		t.Fatalf("completion: %v %+v, want the upstream asked about its own prompt name", err, c)
	}
}

func TestReadingUpstreamResourcesNeedsReadScope(t *testing.T) {
	up := newFakeUpstream(nil)
	up.server.AddResource(&mcpsdk.Resource{URI: "test://static", Name: "static"},
		func(_ context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
			return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: req.Params.URI, Text: "secret"}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{scopes: "write"})
	_, err := f.client.ReadResource(t.Context(), &mcpsdk.ReadResourceParams{URI: "test://static"})
	if err == nil || !strings.Contains(err.Error(), "insufficient_scope") {
		t.Fatalf("read without read scope = %v, want insufficient_scope", err)
	}
	list, err := f.client.ListResources(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Resources) != 0 {
		t.Errorf("resources/list without read scope shows %d resources, want none", len(list.Resources))
	}
}

func TestLazyUpstreamConnectsOnFirstRequest(t *testing.T) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "echo", nil)
	c := cfg("u", up)
	c.Lazy = true
	f := startFront(t, []upstream.Config{c}, frontOptions{})
	if got := up.connections(); got != 0 {
		t.Fatalf("a lazy upstream was connected at start-up (%d connections)", got)
	}
	if st := f.gw.Status()["u"]; st != "not started" {
		t.Errorf("status before use = %q", st)
	}
	if !slices.Contains(f.toolNames(t), "u_echo") {
		t.Fatal("first tools/list did not bring the lazy upstream's tools")
	}
	if up.connections() != 1 {
		t.Errorf("connections = %d, want 1", up.connections())
	}
}

func TestUnreachableUpstreamStopsStartUp(t *testing.T) {
	up := newFakeUpstream(nil)
	up.refuse = true
	gw := upstream.New([]upstream.Config{cfg("gone", up)}, upstream.Options{})
	gw.Register(mcpsdk.NewServer(&mcpsdk.Implementation{Name: "g", Version: "1"}, nil))
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := gw.Start(ctx); err == nil || !strings.Contains(err.Error(), `upstream "gone"`) {
		t.Fatalf("Start = %v, want an error naming the upstream", err)
	}
}

func TestAnUpstreamsOwnReadScopesGuardItsResources(t *testing.T) {
	for _, tt := range []struct {
		held string
		ok   bool
	}{{"read:mimic-data", true}, {"read write admin", false}} {
		t.Run(tt.held, func(t *testing.T) {
			up := newFakeUpstream(nil)
			up.server.AddResource(&mcpsdk.Resource{URI: "mimic://schema", Name: "schema"},
				func(_ context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
					return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: req.Params.URI, Text: "tables"}}}, nil
				})
			c := cfg("m3", up)
			c.ReadScopes = domain.NewScopes("read:mimic-data")
			f := startFront(t, []upstream.Config{c}, frontOptions{scopes: tt.held})
			_, err := f.client.ReadResource(t.Context(), &mcpsdk.ReadResourceParams{URI: "mimic://schema"})
			if tt.ok && err != nil {
				t.Fatalf("read with %q: %v", tt.held, err)
			}
			if !tt.ok && (err == nil || !strings.Contains(err.Error(), "read:mimic-data")) {
				t.Fatalf("read with %q = %v, want a refusal naming read:mimic-data", tt.held, err)
			}
		})
	}
}

// A 2026-07-28 session cannot hear list changes, so a call that changes
// the upstream's tools is followed by a reload, and the change is
// announced.
func TestListsOfADeafSessionAreReloadedAfterACall(t *testing.T) {
	up := newFakeUpstream(nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "grow", InputSchema: map[string]any{"type": "object"}},
		func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			addEcho(up.server, "grown", nil)
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "grew"}}}, nil
		})
	c := cfg("u", up)
	c.Protocol = "2026-07-28"
	f := startFront(t, []upstream.Config{c}, frontOptions{})
	f.toolNames(t)
	if res := f.call(t, "u_grow", nil); res.IsError {
		t.Fatalf("grow: %s", text(res))
	}
	eventually(t, "u_grown exported", func() bool { return slices.Contains(f.toolNames(t), "u_grown") })
	eventually(t, "list_changed announced", func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.changed > 0
	})
}

func TestUpstreamSubscriptionFollowsGatehousesSessions(t *testing.T) {
	var mu sync.Mutex
	subs, unsubs := 0, 0
	up := newFakeUpstream(&mcpsdk.ServerOptions{
		SubscribeHandler: func(context.Context, *mcpsdk.SubscribeRequest) error {
			mu.Lock()
			subs++
			mu.Unlock()
			return nil
		},
		UnsubscribeHandler: func(context.Context, *mcpsdk.UnsubscribeRequest) error {
			mu.Lock()
			unsubs++
			mu.Unlock()
			return nil
		},
	})
	up.server.AddResource(&mcpsdk.Resource{URI: "test://watched", Name: "watched"},
		func(_ context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
			return &mcpsdk.ReadResourceResult{Contents: []*mcpsdk.ResourceContents{{URI: req.Params.URI, Text: "x"}}}, nil
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	a, b := f.client, f.connect(t)
	counts := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return subs, unsubs
	}
	ctx := t.Context()
	sub := &mcpsdk.SubscribeParams{URI: "test://watched"}
	unsub := &mcpsdk.UnsubscribeParams{URI: "test://watched"}

	if err := b.Unsubscribe(ctx, unsub); err != nil { // never subscribed: nothing to release
		t.Fatal(err)
	}
	for _, cs := range []*mcpsdk.ClientSession{a, b, a} {
		if err := cs.Subscribe(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	if s, u := counts(); s != 1 || u != 0 {
		t.Fatalf("after three subscribes from two sessions the upstream saw %d subscribes, %d unsubscribes; want 1, 0", s, u)
	}
	up.crash(false)
	eventually(t, "the subscription renewed on the new connection", func() bool { s, _ := counts(); return s == 2 })
	eventually(t, "reconnected", func() bool { return f.gw.Status()["u"] == "up" })
	if err := a.Unsubscribe(ctx, unsub); err != nil {
		t.Fatal(err)
	}
	if _, u := counts(); u != 0 {
		t.Fatal("released while another session is still subscribed")
	}
	_ = b.Close() // the last subscriber goes away without unsubscribing
	eventually(t, "released when the last session ended", func() bool { _, u := counts(); return u == 1 })
}
