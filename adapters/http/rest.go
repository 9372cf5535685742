package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
)

// The REST API runs tools through the same MCP server as /mcp, as a
// stateless 2026-07-28 request made in process, so policy, validation and
// audit are one code path for every transport.
const restProtocolVersion = "2026-07-28"

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *rpcError) Error() string { return fmt.Sprintf("JSON-RPC error %d: %s", e.Code, e.Message) }

// invoke sends one JSON-RPC request to the MCP handler as caller and returns
// its result.
func (s *Server) invoke(ctx context.Context, caller app.Caller, method, name string, params map[string]any) (json.RawMessage, error) {
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    restProtocolVersion,
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "gatehouse-rest", "version": "1"},
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	req := httptest.NewRequestWithContext(app.WithCaller(ctx, caller), http.MethodPost, "/mcp", bytes.NewReader(body))
	req.Host = s.origins.anyHost()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("MCP-Protocol-Version", restProtocolVersion)
	req.Header.Set("Mcp-Method", method)
	if name != "" {
		req.Header.Set("Mcp-Name", name)
	}
	rec := httptest.NewRecorder()
	s.deps.MCP.ServeHTTP(rec, req)
	payload := rec.Body.Bytes()
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		payload = lastSSEData(payload)
	}
	var resp struct {
		Result json.RawMessage `json:"result"`
		Error  *rpcError       `json:"error"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, fmt.Errorf("mcp answered %d with an unreadable body: %w", rec.Code, err)
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	return resp.Result, nil
}

// lastSSEData returns the data of the last event of a text/event-stream
// body: the JSON-RPC response ends a request-scoped stream.
func lastSSEData(b []byte) []byte {
	var last []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), maxMCPBody)
	for sc.Scan() {
		if d, ok := bytes.CutPrefix(sc.Bytes(), []byte("data:")); ok {
			last = append([]byte(nil), bytes.TrimSpace(d)...)
		}
	}
	return last
}

// restTools is GET /mcp/tools: the tools the caller may call.
func (s *Server) restTools(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	res, err := s.invoke(c.Request().Context(), app.Caller{Principal: p, Transport: app.TransportREST}, "tools/list", "", nil)
	if err != nil {
		return err
	}
	var list struct {
		Tools json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(res, &list); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "private, no-store")
	return c.JSON(http.StatusOK, map[string]json.RawMessage{"tools": list.Tools})
}

// restExecute is POST /mcp/execute/{tool} with {"arguments": {...}}.
func (s *Server) restExecute(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	return s.execute(c, app.Caller{Principal: p, Transport: app.TransportREST}, c.Param("tool"))
}

func (s *Server) execute(c echo.Context, caller app.Caller, tool string) error {
	var in struct {
		Arguments map[string]any `json:"arguments"`
	}
	if c.Request().ContentLength != 0 {
		dec := json.NewDecoder(http.MaxBytesReader(c.Response(), c.Request().Body, maxMCPBody))
		if err := dec.Decode(&in); err != nil {
			return invalidRequest("body must be {\"arguments\": {...}}")
		}
	}
	ctx := c.Request().Context()
	if err := s.deps.Gate.Admit(ctx, caller, tool); err != nil {
		return err
	}
	caller.Admitted = true
	params := map[string]any{"name": tool, "arguments": in.Arguments}
	if in.Arguments == nil {
		params["arguments"] = map[string]any{}
	}
	res, err := s.invoke(ctx, caller, "tools/call", tool, params)
	var re *rpcError
	if errors.As(err, &re) {
		status := http.StatusBadRequest
		if strings.Contains(strings.ToLower(re.Message), "unknown tool") {
			status = http.StatusNotFound
		}
		return c.JSON(status, map[string]string{"error": "tool_error", "error_description": re.Message})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSONBlob(http.StatusOK, res)
}

// restCreateSession is POST /mcp/session/create.
func (s *Server) restCreateSession(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	id, sess, err := s.deps.Sessions.Create(c.Request().Context(), p)
	if errors.Is(err, app.ErrSessionLimit) {
		return c.JSON(http.StatusConflict, map[string]string{"error": "session_limit", "error_description": err.Error()})
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"session_id": id, "expires_at": sess.ExpiresAt})
}

// restSessionExecute is POST /mcp/session/{id}/execute/{tool}: the session
// must be the caller's own, and the call still needs the bearer token.
func (s *Server) restSessionExecute(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.Sessions.Use(c.Request().Context(), p, c.Param("id")); err != nil {
		return sessionErr(c, err)
	}
	return s.execute(c, app.Caller{Principal: p, Transport: app.TransportREST}, c.Param("tool"))
}

// restDeleteSession is DELETE /mcp/session/{id}.
func (s *Server) restDeleteSession(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	if err := s.deps.Sessions.Delete(c.Request().Context(), p, c.Param("id")); err != nil {
		return sessionErr(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

func sessionErr(c echo.Context, err error) error {
	if errors.Is(err, app.ErrNoSession) {
		return c.JSON(http.StatusNotFound, map[string]string{"error": "session_not_found", "error_description": err.Error()})
	}
	return err
}
