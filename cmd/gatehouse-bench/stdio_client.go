package main

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// stdioConn is one MCP session over a child process' stdin and stdout,
// driven by the go-sdk client.
type stdioConn struct {
	cs  *mcp.ClientSession
	cmd *exec.Cmd
}

// openStdio starts cmd and connects with the protocol version (""
// for the SDK's latest).
func openStdio(ctx context.Context, cmd *exec.Cmd, version string) (*stdioConn, error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "gatehouse-bench", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: stopGrace},
		&mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		return nil, fmt.Errorf("connect over stdio: %w", err)
	}
	return &stdioConn{cs: cs, cmd: cmd}, nil
}

func (s *stdioConn) PID() int { return s.cmd.Process.Pid }

// close ends the session; the SDK closes the child's stdin and stops it
// by its PID if it does not exit.
func (s *stdioConn) close() { _ = s.cs.Close() }

// whoami is one tools/call; every worker shares the session, as an MCP
// host's concurrent tool calls do.
func (s *stdioConn) whoami(ctx context.Context) error {
	res, err := s.cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		return err
	}
	if res.IsError {
		return errors.New("whoami over stdio is a tool error")
	}
	return nil
}

// mallocs asks the bare stdio floor for its allocation counter.
func (s *stdioConn) mallocs(ctx context.Context) (uint64, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	res, err := s.cs.CallTool(ctx, &mcp.CallToolParams{Name: memstatsTool, Arguments: map[string]any{}})
	if err != nil {
		return 0, err
	}
	m, ok := res.StructuredContent.(map[string]any)
	if !ok {
		return 0, errors.New("memstats: no structured content")
	}
	n, ok := m["mallocs"].(float64)
	if !ok {
		return 0, errors.New("memstats: no mallocs")
	}
	return uint64(n), nil
}
