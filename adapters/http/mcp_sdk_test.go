package http

import (
	"context"
	"net/http"
	"sync"
	"testing"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// sdkHandler is a stateless go-sdk server with two tools that record which
// of them ran. It checks nothing itself, as the real MCP layer checks
// nothing for a call the edge has admitted.
func sdkHandler(t *testing.T) (http.Handler, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var ran []string
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "test", Version: "1"}, nil)
	for _, name := range []string{"whoami", "admin_secret"} {
		srv.AddTool(&mcpsdk.Tool{Name: name, InputSchema: map[string]any{"type": "object"}},
			func(context.Context, *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
				mu.Lock()
				ran = append(ran, name)
				mu.Unlock()
				return &mcpsdk.CallToolResult{Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: name}}}, nil
			})
	}
	h := mcpsdk.NewStreamableHTTPHandler(func(*http.Request) *mcpsdk.Server { return srv },
		&mcpsdk.StreamableHTTPOptions{Stateless: true, DisableLocalhostProtection: true})
	return h, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ran...)
	}
}

// The SDK decodes JSON keys case-sensitively; a peek that matched "Name" as
// "name" would admit one tool while the SDK runs another.
func TestMCPGateAndSDKAgreeOnTheToolName(t *testing.T) {
	const meta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"}}`
	tests := []struct {
		name    string
		params  string
		header  string // Mcp-Name, which the SDK compares with the body
		status  int
		wantRan []string
	}{
		{name: "allowed tool runs", params: `"name":"whoami","arguments":{}`, header: "whoami",
			status: http.StatusOK, wantRan: []string{"whoami"}},
		{name: "denied tool refused", params: `"name":"admin_secret","arguments":{}`, header: "admin_secret",
			status: http.StatusForbidden},
		{name: "case-variant key cannot smuggle a denied tool", header: "admin_secret",
			params: `"name":"admin_secret","Name":"whoami","arguments":{}`, status: http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ran := sdkHandler(t)
			e := newEdge(t, withAuthenticator(reader()), withDeps(func(d *Deps) { d.MCP = h }))
			req := mcpPost(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + tt.params + `,` + meta + `}}`)
			req.Header.Set("MCP-Protocol-Version", "2026-07-28")
			req.Header.Set("Mcp-Method", "tools/call")
			req.Header.Set("Mcp-Name", tt.header)
			rec := e.do(req)
			wantStatus(t, rec, tt.status)
			got := ran()
			if len(got) != len(tt.wantRan) || (len(got) > 0 && got[0] != tt.wantRan[0]) {
				t.Errorf("tools run = %v, want %v; body: %s", got, tt.wantRan, rec.Body)
			}
		})
	}
}
