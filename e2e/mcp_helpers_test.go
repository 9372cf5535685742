package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

// Protocol revisions the MCP endpoint serves.
const (
	modernMCP = "2026-07-28"
	legacyMCP = "2025-11-25"
)

// mcpServer is a running `gatehouse serve` and the settings that the
// `token` and `stdio` commands need to mint and check tokens it accepts.
type mcpServer struct {
	*server
	// Env holds the GATEHOUSE_ entries shared by serve, stdio and token.
	Env []string
}

// keysEnv keeps signing keys in a test directory, so no test reads or
// writes the user's cache directory.
func keysEnv(t *testing.T) string {
	t.Helper()
	return "GATEHOUSE_AUTH__BUILTIN__KEY_FILE=" + filepath.Join(t.TempDir(), "signing-keys.json")
}

// startMCPServer starts a development server with its own signing keys;
// env adds or overrides settings.
func startMCPServer(t *testing.T, env ...string) *mcpServer {
	t.Helper()
	all := append([]string{keysEnv(t)}, env...)
	s := startServer(t, all...)
	return &mcpServer{server: s, Env: append(all, "GATEHOUSE_SERVER__BASE_URL="+s.URL)}
}

// mintWith runs `gatehouse token` with env and returns the signed token.
func mintWith(t *testing.T, env []string, sub, scope string, flags ...string) string {
	t.Helper()
	args := append([]string{"token", "--sub", sub, "--scope", scope}, flags...)
	cmd := exec.CommandContext(t.Context(), gatehouseBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	tok := strings.TrimSpace(string(out))
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("gatehouse token printed %q, want a JWT", tok)
	}
	return tok
}

// mint issues a token this server accepts.
func (s *mcpServer) mint(t *testing.T, sub, scope string, flags ...string) string {
	t.Helper()
	return mintWith(t, s.Env, sub, scope, flags...)
}

// Demo users and the scopes development mode gives them.
var demoScopes = map[string]string{
	"alice": "read write",
	"bob":   "read",
	"admin": "read write admin",
}

// tokenFor mints a token for a demo user with all of the user's scopes.
func (s *mcpServer) tokenFor(t *testing.T, user string) string {
	t.Helper()
	return s.mint(t, user, demoScopes[user])
}

// rpcCall is one raw JSON-RPC request on the 2026-07-28 wire, where every
// request carries its protocol version and client capabilities in _meta.
type rpcCall struct {
	Method string
	Params map[string]any
	Bearer string
	Header map[string]string // extra or overriding HTTP headers
	Query  string            // raw query string of the request URL
}

func (s *mcpServer) newRPCRequest(t *testing.T, c rpcCall) *http.Request {
	t.Helper()
	params := map[string]any{}
	for k, v := range c.Params {
		params[k] = v
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    modernMCP,
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "e2e", "version": "1"},
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": c.Method, "params": params})
	if err != nil {
		t.Fatal(err)
	}
	u := s.Resource
	if c.Query != "" {
		u += "?" + c.Query
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", modernMCP)
	req.Header.Set("Mcp-Method", c.Method)
	if name, ok := c.Params["name"].(string); ok {
		req.Header.Set("Mcp-Name", name)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	for k, v := range c.Header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	return req
}

// rpc sends one raw request to /mcp and returns the exchange.
func (s *mcpServer) rpc(t *testing.T, c rpcCall) exchange {
	t.Helper()
	return do(t, s.newRPCRequest(t, c))
}

// callTool sends tools/call for tool with args as the bearer's owner.
func (s *mcpServer) callTool(t *testing.T, bearer, tool string, args map[string]any) exchange {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	return s.rpc(t, rpcCall{Method: "tools/call", Params: map[string]any{"name": tool, "arguments": args}, Bearer: bearer})
}

// rpcReply is a JSON-RPC response read from a JSON or event-stream body.
type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	} `json:"error"`
}

// rpcReplyOf decodes the JSON-RPC response of a 200 exchange.
func rpcReplyOf(t *testing.T, ex exchange) rpcReply {
	t.Helper()
	if ex.Status != http.StatusOK {
		t.Fatalf("want 200 with a JSON-RPC response\n%s", ex)
	}
	payload := []byte(ex.Body)
	if strings.HasPrefix(ex.Header.Get("Content-Type"), "text/event-stream") {
		payload = nil
		sc := bufio.NewScanner(strings.NewReader(ex.Body))
		sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data:"); ok && strings.TrimSpace(d) != "" {
				payload = []byte(strings.TrimSpace(d))
			}
		}
	}
	var r rpcReply
	if err := json.Unmarshal(payload, &r); err != nil {
		t.Fatalf("no JSON-RPC response in the body: %v\n%s", err, ex)
	}
	return r
}

// toolResult is the part of a CallToolResult the tests read.
type toolResult struct {
	IsError           bool            `json:"isError"`
	StructuredContent json.RawMessage `json:"structuredContent"`
	Content           []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
}

func (r toolResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// decodeTool reads a successful tools/call result of a raw exchange.
func decodeTool(t *testing.T, ex exchange) toolResult {
	t.Helper()
	r := rpcReplyOf(t, ex)
	if r.Error != nil {
		t.Fatalf("JSON-RPC error %d %s\n%s", r.Error.Code, r.Error.Message, ex)
	}
	var res toolResult
	if err := json.Unmarshal(r.Result, &res); err != nil {
		t.Fatalf("tools/call result: %v\n%s", err, ex)
	}
	return res
}

// whoamiView is the structured result of the whoami tool.
type whoamiView struct {
	Subject   string   `json:"subject"`
	ClientID  string   `json:"client_id"`
	Scopes    []string `json:"scopes"`
	ExpiresAt string   `json:"expires_at"`
	Transport string   `json:"transport"`
}

// structured decodes a tool result's structured content into T.
func structured[T any](t *testing.T, raw json.RawMessage) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
	return v
}

// bearerChallenge parses the Bearer challenge of a response's
// WWW-Authenticate header; ok is false when there is none.
func bearerChallenge(t *testing.T, h http.Header) (map[string]string, bool) {
	t.Helper()
	cs, err := oauthex.ParseWWWAuthenticate(h.Values("WWW-Authenticate"))
	if err != nil {
		t.Errorf("unparsable WWW-Authenticate %q: %v", h.Values("WWW-Authenticate"), err)
		return nil, false
	}
	for _, c := range cs {
		if c.Scheme == "bearer" {
			return c.Params, true
		}
	}
	return nil, false
}

// toolNames lists the names of a tools array, in order.
func toolNames(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var tools []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(raw, &tools); err != nil {
		t.Fatalf("tools %s: %v", raw, err)
	}
	names := []string{}
	for _, tl := range tools {
		names = append(names, tl.Name)
	}
	return names
}

// Tools each demo user may call under the default policy, sorted by name.
var (
	readTools  = []string{"grants_list", "whoami"}
	writeTools = []string{"grants_list", "grants_revoke", "whoami"}
	allTools   = []string{
		"admin_audit_recent", "admin_clients_list", "admin_grants_list", "admin_grants_revoke",
		"admin_sessions_list", "admin_sessions_revoke", "grants_list", "grants_revoke", "whoami",
	}
)
