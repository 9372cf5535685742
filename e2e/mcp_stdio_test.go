package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

const stdioLimit = 10 * time.Second

// stdioSession starts `gatehouse stdio` with env through the SDK's command
// transport and connects with protocol version ("" for the SDK's latest).
// It returns the session and the process' stderr.
func stdioSession(t *testing.T, version string, env ...string) (*mcp.ClientSession, *syncBuffer) {
	t.Helper()
	stderr := &syncBuffer{}
	cmd := exec.Command(gatehouseBin, "stdio")
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stderr = stderr
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gatehouse stdio stderr:\n%s", stderr)
		}
	})
	ctx, cancel := context.WithTimeout(t.Context(), stdioLimit)
	defer cancel()
	client := mcp.NewClient(&mcp.Implementation{Name: "gatehouse-e2e", Version: "1"}, nil)
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect to gatehouse stdio: %v\nstderr:\n%s", err, stderr)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs, stderr
}

func stdioCall(t *testing.T, cs *mcp.ClientSession, tool string) (*mcp.CallToolResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stdioLimit)
	defer cancel()
	return cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{}})
}

func stdioWhoami(t *testing.T, cs *mcp.ClientSession) whoamiView {
	t.Helper()
	res, err := stdioCall(t, cs, "whoami")
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if res.IsError {
		t.Fatalf("whoami is a tool error: %s", sdkText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	return structured[whoamiView](t, raw)
}

// The token comes from the environment under either name, with or without
// "Bearer "; tools are listed and called over both protocol eras.
func TestStdioTools(t *testing.T) {
	t.Parallel()
	keys := keysEnv(t)
	tok := mintWith(t, []string{keys}, "alice", "read write")
	tests := []struct {
		name    string
		env     string
		version string
	}{
		{"GATEHOUSE_TOKEN", "GATEHOUSE_TOKEN=" + tok, ""},
		{"Bearer prefix", "GATEHOUSE_TOKEN=Bearer " + tok, ""},
		{"M3_OAUTH2_TOKEN alias", "M3_OAUTH2_TOKEN=" + tok, ""},
		{"legacy initialize", "GATEHOUSE_TOKEN=" + tok, legacyMCP},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, _ := stdioSession(t, tt.version, keys, tt.env)
			version := tt.version
			if version == "" {
				version = modernMCP
			}
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Errorf("protocol %q, want %q", got, version)
			}
			list, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatalf("ListTools: %v", err)
			}
			var names []string
			for _, tl := range list.Tools {
				names = append(names, tl.Name)
			}
			slices.Sort(names)
			if diff := cmp.Diff(writeTools, names); diff != "" {
				t.Errorf("tools for alice (-want +got):\n%s", diff)
			}
			got := stdioWhoami(t, cs)
			want := whoamiView{Subject: "alice", ClientID: "gatehouse-cli", Scopes: []string{"read", "write"}, Transport: "stdio", ExpiresAt: got.ExpiresAt}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("whoami (-want +got):\n%s", diff)
			}
		})
	}
}

// Scopes apply on stdio as on HTTP: a read token cannot call a write tool.
func TestStdioInsufficientScope(t *testing.T) {
	t.Parallel()
	keys := keysEnv(t)
	cs, _ := stdioSession(t, "", keys, "GATEHOUSE_TOKEN="+mintWith(t, []string{keys}, "bob", "read"))
	res, err := stdioCall(t, cs, "grants_revoke")
	msg := ""
	switch {
	case err != nil:
		msg = err.Error()
	case res.IsError:
		msg = sdkText(res)
	default:
		t.Fatal("bob called grants_revoke over stdio")
	}
	if !strings.Contains(msg, "insufficient_scope") || !strings.Contains(msg, "write") {
		t.Errorf("refusal %q: want insufficient_scope naming write", msg)
	}
}

// The token is checked on every call: one that expires mid-session stops
// working with an error naming the cause.
func TestStdioTokenExpiresMidSession(t *testing.T) {
	t.Parallel()
	env := []string{keysEnv(t), "GATEHOUSE_AUTH__BUILTIN__LEEWAY=0s"}
	// Long enough for a loaded machine to start the process and call once.
	tok := mintWith(t, env, "alice", "read", "--ttl", "6s")
	cs, _ := stdioSession(t, "", append(env, "GATEHOUSE_TOKEN="+tok)...)
	if got := stdioWhoami(t, cs); got.Subject != "alice" {
		t.Fatalf("whoami = %+v, want alice", got)
	}

	time.Sleep(time.Until(jwtExpiry(t, tok).Add(time.Second)))
	res, err := stdioCall(t, cs, "whoami")
	if err == nil {
		t.Fatalf("whoami after expiry succeeded: %+v", res)
	}
	if msg := err.Error(); !strings.Contains(msg, "OAuth2 authentication failed") || !strings.Contains(strings.ToLower(msg), "expired") {
		t.Errorf("error %q: want OAuth2 authentication failed, naming the expiry", msg)
	}
}

// jwtExpiry reads the exp claim of a JWT without verifying it.
func jwtExpiry(t *testing.T, tok string) time.Time {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(raw, &claims); err != nil || claims.Exp == 0 {
		t.Fatalf("JWT payload %s: no exp (%v)", raw, err)
	}
	return time.Unix(claims.Exp, 0)
}

// Without a usable token the process stops before serving, with the seed's
// messages on stderr and nothing on stdout.
func TestStdioRefusesToStart(t *testing.T) {
	t.Parallel()
	keys := keysEnv(t)
	other := mintWith(t, []string{keys}, "alice", "read", "--aud", "https://other.example/mcp")
	noLeeway := "GATEHOUSE_AUTH__BUILTIN__LEEWAY=0s"
	expired := mintWith(t, []string{keys, noLeeway}, "alice", "read", "--ttl", "1s")
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"no token", nil, "Missing OAuth2 access token"},
		{"empty token", []string{"GATEHOUSE_TOKEN="}, "Missing OAuth2 access token"},
		{"not a JWT", []string{"GATEHOUSE_TOKEN=garbage"}, "OAuth2 authentication failed: "},
		{"another audience", []string{"GATEHOUSE_TOKEN=" + other}, "OAuth2 authentication failed: "},
		{"expired", []string{noLeeway, "GATEHOUSE_TOKEN=" + expired}, "OAuth2 authentication failed: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.name == "expired" {
				time.Sleep(time.Until(jwtExpiry(t, expired).Add(time.Second)))
			}
			stdout, stderr, err := runStdioToExit(t, "", append([]string{keys}, tt.env...)...)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Errorf("exit: %v, want a non-zero status", err)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q: want %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout %q: want nothing", stdout)
			}
		})
	}
}

// runStdioToExit runs `gatehouse stdio` with input on stdin until it exits.
func runStdioToExit(t *testing.T, input string, env ...string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), stdioLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehouseBin, "stdio")
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(input)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("gatehouse stdio still running after %v", stdioLimit)
	}
	return out.String(), errb.String(), err
}

// stdout carries newline-delimited JSON-RPC and nothing else; logs go to
// stderr, and the process ends cleanly when stdin does.
func TestStdioStdoutIsOnlyJSONRPC(t *testing.T) {
	t.Parallel()
	keys := keysEnv(t)
	tok := mintWith(t, []string{keys}, "alice", "read")
	ctx, cancel := context.WithTimeout(t.Context(), stdioLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehouseBin, "stdio")
	cmd.Env = append(cleanEnv(), keys, "GATEHOUSE_TOKEN="+tok, "GATEHOUSE_LOG__LEVEL=debug")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdoutPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	requests := []string{
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"e2e","version":"1"}}}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`,
	}
	if _, err := io.WriteString(stdin, strings.Join(requests, "\n")+"\n"); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdoutPipe)
	lines.Buffer(make([]byte, 0, 64<<10), 4<<20)
	var got []string
	for len(got) < 3 && lines.Scan() {
		got = append(got, lines.Text())
	}
	if err := stdin.Close(); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		got = append(got, lines.Text())
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("gatehouse stdio after stdin closed: %v\nstderr:\n%s", err, stderr.String())
	}

	var ids []float64
	for _, line := range got {
		var msg map[string]any
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg["jsonrpc"] != "2.0" {
			t.Errorf("stdout line is not JSON-RPC: %q", line)
			continue
		}
		if id, ok := msg["id"].(float64); ok && msg["result"] != nil {
			ids = append(ids, id)
		}
	}
	if diff := cmp.Diff([]float64{1, 2, 3}, ids); diff != "" {
		t.Errorf("responses by id (-want +got):\n%s\nstdout:\n%s", diff, strings.Join(got, "\n"))
	}
	if strings.TrimSpace(stderr.String()) == "" {
		t.Error("nothing logged on stderr at debug level")
	}
}
