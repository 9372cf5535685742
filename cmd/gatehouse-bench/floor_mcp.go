package main

import (
	"context"
	"net/http"
	"runtime"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP floor is the go-sdk alone: one server with a whoami tool shaped
// like Gatehouse's (same output struct, so the same schema work), no
// authentication, no policy, no audit. Over HTTP it is mounted as
// Gatehouse mounts its own: stateless for 2026-07-28 and later, a session
// handler for older revisions.

const modernProtocol = "2026-07-28"

// memstatsTool reports the floor's allocation counter over stdio, where
// there is no side channel; the harness calls it only between timed runs.
const memstatsTool = "bench_memstats"

type none struct{}

type whoamiOut struct {
	Subject   string   `json:"subject" jsonschema:"who the token speaks for"`
	ClientID  string   `json:"client_id" jsonschema:"client the token was issued to"`
	Scopes    []string `json:"scopes" jsonschema:"scopes the token carries"`
	ExpiresAt string   `json:"expires_at,omitempty" jsonschema:"when the access token expires (RFC 3339)"`
	Transport string   `json:"transport" jsonschema:"how this call arrived: http, rest or stdio"`
	Issuer    string   `json:"issuer,omitempty" jsonschema:"who issued the token"`
	Name      string   `json:"name,omitempty" jsonschema:"the subject's name, when the token carries one"`
	Email     string   `json:"email,omitempty" jsonschema:"the subject's email, when the token carries one"`
}

type memstatsOut struct {
	Mallocs uint64 `json:"mallocs"`
}

func newBareMCP(transport string) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "bare-go-sdk", Version: "1"}, nil)
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(s, &mcp.Tool{
		Name: "whoami", Title: "Who am I", Annotations: readOnly,
		Description: "Shows who the current access token speaks for: subject, client, scopes, expiry and transport.",
	}, func(context.Context, *mcp.CallToolRequest, none) (*mcp.CallToolResult, whoamiOut, error) {
		return nil, whoamiOut{
			Subject: "alice", ClientID: "gatehouse-cli", Scopes: []string{"read", "write"},
			ExpiresAt: "2030-01-01T00:00:00Z", Transport: transport, Issuer: "http://127.0.0.1",
		}, nil
	})
	if transport == "stdio" {
		mcp.AddTool(s, &mcp.Tool{Name: memstatsTool, Annotations: readOnly},
			func(context.Context, *mcp.CallToolRequest, none) (*mcp.CallToolResult, memstatsOut, error) {
				return nil, memstatsOut{Mallocs: mallocs()}, nil
			})
	}
	return s
}

// bareMCPHandler serves both protocol eras as Gatehouse does, with the
// same SDK options, minus the bearer middleware.
func bareMCPHandler() http.Handler {
	srv := newBareMCP("http")
	get := func(*http.Request) *mcp.Server { return srv }
	stateless := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{
		Stateless:                    true,
		DisableLocalhostProtection:   true,
		PropagateRequestCancellation: true,
	})
	stateful := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{DisableLocalhostProtection: true})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("MCP-Protocol-Version") >= modernProtocol {
			stateless.ServeHTTP(w, r)
			return
		}
		stateful.ServeHTTP(w, r)
	})
}

// runBareStdio is the hidden `bare-stdio` mode: the floor of `gatehouse
// stdio`, serving until stdin closes.
func runBareStdio(ctx context.Context) error {
	return newBareMCP("stdio").Run(ctx, &mcp.StdioTransport{})
}

func mallocs() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs
}
