package e2e

import (
	"bytes"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestShutdownClosesOpenEventStreams opens a legacy MCP session with its
// standalone GET event stream, which never ends by itself, then stops the
// server: it must exit promptly and cleanly instead of waiting for the
// stream until the shutdown deadline.
func TestShutdownClosesOpenEventStreams(t *testing.T) {
	t.Parallel()
	s := startMCPServer(t)
	tok := s.mint(t, "alice", "read")
	post := func(body string, session string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/mcp", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", "2025-11-25")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	init := post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`, "")
	init.Body.Close()
	session := init.Header.Get("Mcp-Session-Id")
	if init.StatusCode != http.StatusOK || session == "" {
		t.Fatalf("initialize: status %d, session %q", init.StatusCode, session)
	}
	post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, session).Body.Close()

	req, _ := http.NewRequest(http.MethodGet, s.URL+"/mcp", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Mcp-Session-Id", session)
	req.Header.Set("MCP-Protocol-Version", "2025-11-25")
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	if stream.StatusCode != http.StatusOK {
		var b bytes.Buffer
		_, _ = b.ReadFrom(stream.Body)
		t.Fatalf("GET stream: status %d: %s", stream.StatusCode, b.String())
	}

	start := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(6 * time.Second):
		t.Fatalf("server still running 6 s after SIGTERM with an open event stream\n%s", s.out.String())
	}
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0\n%s", code, s.out.String())
	}
	t.Logf("exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
}
