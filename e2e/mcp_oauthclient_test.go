package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// oauthClient is the go-sdk MCP client with its authorization-code OAuth
// handler, connected to a server's /mcp, and what the test observes of it.
type oauthClient struct {
	Session *mcp.ClientSession
	Tap     *wireTap   // every HTTP request of the MCP client and its OAuth handler
	Agent   *userAgent // the user signing in
}

// connectOAuth connects with protocol version (the SDK starts with
// server/discover for 2026-07-28 and with initialize for older revisions),
// starting from no token at all. users sign in, one per authorization the
// handler runs.
func (s *mcpServer) connectOAuth(t *testing.T, version string, users ...string) *oauthClient {
	t.Helper()
	tap := newWireTap()
	hc := &http.Client{Transport: tap, Timeout: 30 * time.Second}
	ua, err := newUserAgent(s.server, users...)
	if err != nil {
		t.Fatal(err)
	}
	redirect := loopbackCallback(t)
	h, err := auth.NewAuthorizationCodeHandler(&auth.AuthorizationCodeHandlerConfig{
		DynamicClientRegistrationConfig: &auth.DynamicClientRegistrationConfig{
			Metadata: &oauthex.ClientRegistrationMetadata{
				ClientName:              "e2e go-sdk client",
				RedirectURIs:            []string{redirect},
				TokenEndpointAuthMethod: "none",
				GrantTypes:              []string{"authorization_code", "refresh_token"},
				ResponseTypes:           []string{"code"},
			},
		},
		RedirectURL:              redirect,
		AuthorizationCodeFetcher: ua.Fetch,
		Client:                   hc,
	})
	if err != nil {
		t.Fatalf("NewAuthorizationCodeHandler: %v", err)
	}
	transport := &mcp.StreamableClientTransport{
		Endpoint:     s.Resource,
		HTTPClient:   hc,
		OAuthHandler: h,
		MaxRetries:   -1,
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "gatehouse-e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect with protocol %s: %v\nwire:\n%s", version, err, tap)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return &oauthClient{Session: cs, Tap: tap, Agent: ua}
}

// call runs a tool through the client session.
func (c *oauthClient) call(t *testing.T, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	return c.Session.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
}

// mustCall runs a tool that must succeed and returns its structured result.
func (c *oauthClient) mustCall(t *testing.T, tool string, args map[string]any) json.RawMessage {
	t.Helper()
	res, err := c.call(t, tool, args)
	if err != nil {
		t.Fatalf("CallTool(%s): %v\nwire:\n%s", tool, err, c.Tap)
	}
	if res.IsError {
		t.Fatalf("CallTool(%s) is a tool error: %s", tool, sdkText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func sdkText(res *mcp.CallToolResult) string {
	var s string
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			s += tc.Text
		}
	}
	return s
}
