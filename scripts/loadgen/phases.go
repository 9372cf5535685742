package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

const (
	modernProtocol = "2026-07-28"
	legacyProtocol = "2025-11-25"
)

// phase is one kind of request. start runs once per worker, untimed, and
// returns the request the worker repeats and a cleanup to run afterwards.
type phase struct {
	name  string
	start func(ctx context.Context, c *http.Client) (step func(context.Context) error, stop func(), err error)
}

func lookupPhase(name string, o options) (phase, error) {
	repeat := func(build func(ctx context.Context) (*http.Request, error), check func(*http.Response, []byte) error) phase {
		return phase{name: name, start: func(_ context.Context, c *http.Client) (func(context.Context) error, func(), error) {
			return func(ctx context.Context) error {
				req, err := build(ctx)
				if err != nil {
					return err
				}
				_, err = exchange(c, req, check)
				return err
			}, func() {}, nil
		}}
	}
	switch name {
	case "floor":
		return repeat(func(ctx context.Context) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, http.MethodGet, o.base+"/healthz", nil)
		}, wantStatus(http.StatusOK, `"ok"`)), nil
	case "token":
		form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}.Encode()
		return repeat(func(ctx context.Context) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.base+"/auth/token", strings.NewReader(form))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(url.QueryEscape(o.clientID), url.QueryEscape(o.clientSecret))
			}
			return req, err
		}, wantStatus(http.StatusOK, `"access_token"`)), nil
	case "call":
		if o.token == "" {
			return phase{}, fmt.Errorf("phase call needs -token")
		}
		body := modernToolsCall()
		return repeat(func(ctx context.Context) (*http.Request, error) {
			req, err := rpcRequest(ctx, o, body)
			if err == nil {
				req.Header.Set("MCP-Protocol-Version", modernProtocol)
				req.Header.Set("Mcp-Method", "tools/call")
				req.Header.Set("Mcp-Name", "whoami")
			}
			return req, err
		}, rpcResult), nil
	case "legacy":
		if o.token == "" {
			return phase{}, fmt.Errorf("phase legacy needs -token")
		}
		return phase{name: name, start: func(ctx context.Context, c *http.Client) (func(context.Context) error, func(), error) {
			return legacySession(ctx, c, o)
		}}, nil
	}
	return phase{}, fmt.Errorf("unknown phase %q (want floor, token, call or legacy)", name)
}

func modernToolsCall() []byte {
	return []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{},` +
		`"_meta":{"io.modelcontextprotocol/protocolVersion":"` + modernProtocol + `",` +
		`"io.modelcontextprotocol/clientCapabilities":{},` +
		`"io.modelcontextprotocol/clientInfo":{"name":"loadgen","version":"1"}}}}`)
}

// legacySession opens a 2025-11-25 session (initialize, then the
// initialized notification) and returns a step that calls whoami in it and
// a stop that ends the session.
func legacySession(ctx context.Context, c *http.Client, o options) (func(context.Context) error, func(), error) {
	initialize := []byte(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + legacyProtocol +
		`","capabilities":{},"clientInfo":{"name":"loadgen","version":"1"}}}`)
	req, err := rpcRequest(ctx, o, initialize)
	if err != nil {
		return nil, nil, err
	}
	resp, err := exchange(c, req, rpcResult)
	if err != nil {
		return nil, nil, fmt.Errorf("initialize: %w", err)
	}
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		return nil, nil, fmt.Errorf("initialize answered without Mcp-Session-Id")
	}
	inSession := func(ctx context.Context, method string, body []byte) (*http.Request, error) {
		req, err := rpcRequest(ctx, o, body)
		if err == nil {
			req.Method = method
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("MCP-Protocol-Version", legacyProtocol)
		}
		return req, err
	}
	req, err = inSession(ctx, http.MethodPost, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	if err != nil {
		return nil, nil, err
	}
	if _, err := exchange(c, req, wantStatus(http.StatusAccepted, "")); err != nil {
		return nil, nil, fmt.Errorf("notifications/initialized: %w", err)
	}
	call := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`)
	step := func(ctx context.Context) error {
		req, err := inSession(ctx, http.MethodPost, call)
		if err != nil {
			return err
		}
		_, err = exchange(c, req, rpcResult)
		return err
	}
	stop := func() {
		if req, err := inSession(context.Background(), http.MethodDelete, nil); err == nil {
			_, _ = exchange(c, req, func(*http.Response, []byte) error { return nil })
		}
	}
	return step, stop, nil
}

func rpcRequest(ctx context.Context, o options, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.base+"/mcp", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	return req, nil
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

func wantStatus(status int, contains string) func(*http.Response, []byte) error {
	return func(resp *http.Response, body []byte) error {
		if resp.StatusCode != status || !bytes.Contains(body, []byte(contains)) {
			return fmt.Errorf("status %d, want %d with %s: %.200s", resp.StatusCode, status, contains, body)
		}
		return nil
	}
}

// rpcResult accepts a 200 whose JSON-RPC response (plain or the last
// event of a stream) has a result that is not a tool error.
func rpcResult(resp *http.Response, body []byte) error {
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %.200s", resp.StatusCode, body)
	}
	payload := body
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		payload = nil
		for _, line := range bytes.Split(body, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data:")); ok && len(bytes.TrimSpace(d)) > 0 {
				payload = bytes.TrimSpace(d)
			}
		}
	}
	var msg struct {
		Result *struct {
			IsError bool `json:"isError"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(payload, &msg); err != nil {
		return fmt.Errorf("no JSON-RPC response: %w", err)
	}
	switch {
	case msg.Error != nil:
		return fmt.Errorf("JSON-RPC error: %s", msg.Error.Message)
	case msg.Result == nil:
		return fmt.Errorf("JSON-RPC response without result")
	case msg.Result.IsError:
		return fmt.Errorf("tool error: %.200s", payload)
	}
	return nil
}
