package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

const legacyProtocol = "2025-11-25"

// newHTTPClient keeps one connection per worker alive across requests, as
// a client pool would, and never follows redirects: the code flow reads
// them itself.
func newHTTPClient(workers int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        2 * workers,
			MaxIdleConnsPerHost: 2 * workers,
			DisableCompression:  true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// mcpTarget is an MCP endpoint and the bearer token to present there (""
// for the floor, which has no authentication).
type mcpTarget struct {
	URL    string
	Bearer string
}

// modernCall is tools/call on the 2026-07-28 wire: a stateless POST whose
// _meta carries the protocol version and client capabilities.
func modernCall(tool, args string) []byte {
	return []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `,` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"` + modernProtocol + `",` +
		`"io.modelcontextprotocol/clientCapabilities":{},` +
		`"io.modelcontextprotocol/clientInfo":{"name":"gatehouse-bench","version":"1"}}}}`)
}

func (t mcpTarget) request(ctx context.Context, method string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.URL, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if t.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+t.Bearer)
	}
	return req, nil
}

// modernStep calls tool statelessly with bearer (the target's own when
// bearer is nil) and judges the answer with check.
func (t mcpTarget) modernStep(c *http.Client, tool, args string, bearer func() string, check func(*http.Response, []byte) error) step {
	body := modernCall(tool, args)
	return func(ctx context.Context) error {
		req, err := t.request(ctx, http.MethodPost, body)
		if err != nil {
			return err
		}
		if bearer != nil {
			req.Header.Set("Authorization", "Bearer "+bearer())
		}
		req.Header.Set("MCP-Protocol-Version", modernProtocol)
		req.Header.Set("Mcp-Method", "tools/call")
		req.Header.Set("Mcp-Name", tool)
		_, err = exchange(c, req, check)
		return err
	}
}

// legacySession opens a 2025-11-25 session (initialize, then the
// initialized notification) and returns a step calling whoami in it and a
// stop ending the session.
func (t mcpTarget) legacySession(ctx context.Context, c *http.Client) (step, func(), error) {
	initialize := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + legacyProtocol +
		`","capabilities":{},"clientInfo":{"name":"gatehouse-bench","version":"1"}}}`)
	req, err := t.request(ctx, http.MethodPost, initialize)
	if err != nil {
		return nil, nil, err
	}
	resp, err := exchange(c, req, toolResult)
	if err != nil {
		return nil, nil, fmt.Errorf("initialize: %w", err)
	}
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		return nil, nil, fmt.Errorf("initialize answered without Mcp-Session-Id")
	}
	inSession := func(ctx context.Context, method string, body []byte) (*http.Request, error) {
		req, err := t.request(ctx, method, body)
		if err == nil {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", legacyProtocol)
		}
		return req, err
	}
	req, err = inSession(ctx, http.MethodPost, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	if err != nil {
		return nil, nil, err
	}
	if _, err := exchange(c, req, wantStatus(http.StatusAccepted)); err != nil {
		return nil, nil, fmt.Errorf("notifications/initialized: %w", err)
	}
	call := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`)
	s := func(ctx context.Context) error {
		req, err := inSession(ctx, http.MethodPost, call)
		if err != nil {
			return err
		}
		_, err = exchange(c, req, toolResult)
		return err
	}
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if req, err := inSession(ctx, http.MethodDelete, nil); err == nil {
			_, _ = exchange(c, req, func(*http.Response, []byte) error { return nil })
		}
	}
	return s, stop, nil
}

// exchange sends req, reads the whole body and lets check judge it.
func exchange(c *http.Client, req *http.Request, check func(*http.Response, []byte) error) (*http.Response, error) {
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return resp, check(resp, body)
}

// toolResult accepts a 200 carrying a JSON-RPC result that is not a tool
// error, in a JSON or an event-stream body. It looks at bytes rather than
// decoding, to keep the load generator's CPU out of the measurement.
func toolResult(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"result"`)) ||
		bytes.Contains(body, []byte(`"isError":true`)) {
		return fmt.Errorf("status %d, want 200 with a result: %.300s", resp.StatusCode, body)
	}
	return nil
}

func wantStatus(status int) func(*http.Response, []byte) error {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode != status {
			return fmt.Errorf("status %d, want %d: %.300s", resp.StatusCode, status, body)
		}
		return nil
	}
}
