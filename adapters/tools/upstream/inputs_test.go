package upstream_test

//lint:file-ignore SA1019 sampling is deprecated from 2026-07-28 but still carried for 2025-11-25 peers

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/tools/upstream"
)

// askingUpstream has a tool that asks its client mid-call, as 2025-11-25
// servers do, and one that returns an input-required result, as 2026-07-28
// servers do.
func askingUpstream() *fakeUpstream {
	up := newFakeUpstream(nil)
	up.server.AddTool(&mcpsdk.Tool{Name: "ask", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			e, err := req.Session.Elicit(ctx, &mcpsdk.ElicitParams{Message: "name?", RequestedSchema: map[string]any{
				"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}},
			}})
			if err != nil {
				return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: err.Error()}}}, nil
			}
			return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "hello " + e.Content["name"].(string)}}}, nil
		})
	up.server.AddTool(&mcpsdk.Tool{Name: "mrtr", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			if r, ok := req.Params.InputResponses["who"].(*mcpsdk.ElicitResult); ok && req.Params.RequestState == "upstream-state" {
				return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: "hello " + r.Content["name"].(string)}}}, nil
			}
			return &mcpsdk.CallToolResult{
				InputRequests: mcpsdk.InputRequestMap{"who": &mcpsdk.ElicitParams{Message: "name?", RequestedSchema: map[string]any{
					"type": "object", "properties": map[string]any{"name": map[string]any{"type": "string"}},
				}}},
				RequestState: "upstream-state",
			}, nil
		})
	return up
}

// answering is a caller that gives its name when asked, counting the asks.
func answering(asked *atomic.Int32) *mcpsdk.ClientOptions {
	return &mcpsdk.ClientOptions{
		ElicitationHandler: func(context.Context, *mcpsdk.ElicitRequest) (*mcpsdk.ElicitResult, error) {
			asked.Add(1)
			return &mcpsdk.ElicitResult{Action: "accept", Content: map[string]any{"name": "ada"}}, nil
		},
	}
}

func TestModernCallerAnswersALegacyUpstreamThroughInputRequiredResults(t *testing.T) {
	var asked atomic.Int32
	f := startFront(t, []upstream.Config{cfg("u", askingUpstream())}, frontOptions{client: answering(&asked), protocol: "2026-07-28"})
	// The SDK client fulfils input-required results itself and retries
	// with the requestState Gatehouse gave it.
	res := f.call(t, "u_ask", nil)
	if res.IsError || text(res) != "hello ada" {
		t.Fatalf("result = %v %q, want the upstream's answer built on the caller's", res.IsError, text(res))
	}
	if asked.Load() != 1 {
		t.Errorf("the caller was asked %d times, want once", asked.Load())
	}
}

func TestForgedRequestStateIsRefused(t *testing.T) {
	f := startFront(t, []upstream.Config{cfg("u", askingUpstream())}, frontOptions{protocol: "2026-07-28",
		client: &mcpsdk.ClientOptions{MultiRoundTrip: &mcpsdk.MultiRoundTripOptions{Disabled: true}}})
	_, err := f.client.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "u_ask", RequestState: "made-up",
		InputResponses: mcpsdk.InputResponseMap{"gatehouse-1": &mcpsdk.ElicitResult{Action: "accept"}}})
	if err == nil || !strings.Contains(err.Error(), "requestState") {
		t.Fatalf("call with a forged requestState = %v, want it refused", err)
	}
}

func TestInputRequiredResultsPassThroughASessionOfTheCallersEra(t *testing.T) {
	for _, era := range []string{"2025-11-25", "2026-07-28"} {
		t.Run(era, func(t *testing.T) {
			var asked atomic.Int32
			c := cfg("u", askingUpstream())
			c.SessionPerEra = true
			f := startFront(t, []upstream.Config{c}, frontOptions{client: answering(&asked), protocol: era})
			// A 2026-07-28 caller gets the upstream's own input request
			// and state; for a 2025-11-25 caller Gatehouse's SDK server
			// asks it mid-call and retries.
			res := f.call(t, "u_mrtr", nil)
			if res.IsError || text(res) != "hello ada" {
				t.Fatalf("result = %v %q", res.IsError, text(res))
			}
			if asked.Load() != 1 {
				t.Errorf("the caller was asked %d times, want once", asked.Load())
			}
		})
	}
}

func TestModernCallerSeesTheUpstreamsOwnInputRequest(t *testing.T) {
	c := cfg("u", askingUpstream())
	c.SessionPerEra = true
	f := startFront(t, []upstream.Config{c}, frontOptions{protocol: "2026-07-28",
		client: &mcpsdk.ClientOptions{MultiRoundTrip: &mcpsdk.MultiRoundTripOptions{Disabled: true}}})
	res, err := f.client.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "u_mrtr"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.NeedsInput() || res.RequestState != "upstream-state" || res.InputRequests["who"] == nil {
		t.Fatalf("result = %+v, want the upstream's input request and state unchanged", res)
	}
	// The result names the server the caller talks to, not the upstream.
	if info, _ := res.Meta[mcpsdk.MetaKeyServerInfo].(map[string]any); info["name"] != "gatehouse" {
		t.Errorf("result _meta serverInfo = %v, want gatehouse's", res.Meta[mcpsdk.MetaKeyServerInfo])
	}
}
