package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
)

// maxMCPBody bounds a JSON-RPC message, as the MCP SDK does.
const maxMCPBody = 4 << 20

// mcpRoutes mounts the MCP endpoint and the REST API under /mcp.
func (s *Server) mcpRoutes() {
	cors := s.cors.middleware
	h := s.mcpEndpoint
	s.e.OPTIONS("/mcp", s.cors.preflight(http.MethodGet, http.MethodPost, http.MethodDelete))
	s.e.POST("/mcp", h, cors)
	s.e.GET("/mcp", h, cors)
	s.e.DELETE("/mcp", h, cors)
	s.e.OPTIONS("/mcp/tools", s.cors.preflight(http.MethodGet))
	s.e.GET("/mcp/tools", s.restTools, cors)
	s.e.OPTIONS("/mcp/execute/:tool", s.cors.preflight(http.MethodPost))
	s.e.POST("/mcp/execute/:tool", s.restExecute, cors)
	s.e.OPTIONS("/mcp/session/create", s.cors.preflight(http.MethodPost))
	s.e.POST("/mcp/session/create", s.restCreateSession, cors)
	s.e.OPTIONS("/mcp/session/:id/execute/:tool", s.cors.preflight(http.MethodPost))
	s.e.POST("/mcp/session/:id/execute/:tool", s.restSessionExecute, cors)
	s.e.OPTIONS("/mcp/session/:id", s.cors.preflight(http.MethodDelete))
	s.e.DELETE("/mcp/session/:id", s.restDeleteSession, cors)
}

// guard runs the checks every protected request gets: Host and Origin
// (DNS rebinding), then the bearer token.
func (s *Server) guard(c echo.Context) (domain.Principal, error) {
	if why := s.origins.check(c.Request()); why != "" {
		s.log.InfoContext(c.Request().Context(), "request refused", "reason", why, "origin", c.Request().Header.Get("Origin"))
		return domain.Principal{}, echo.NewHTTPError(http.StatusForbidden, why)
	}
	return s.authenticate(c)
}

// mcpEndpoint is POST|GET|DELETE /mcp. A tools/call is decided here, from
// the JSON-RPC body (never from the Mcp-Name header alone), before the SDK
// answers, so a refusal can be an HTTP 403 with a step-up challenge or a 429.
func (s *Server) mcpEndpoint(c echo.Context) error {
	p, err := s.guard(c)
	if err != nil {
		return err
	}
	caller := app.Caller{Principal: p, Transport: app.TransportHTTP}
	r := c.Request()
	if r.Method == http.MethodPost {
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, maxMCPBody))
		if err != nil {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		tool, isCall, err := toolCallName(body)
		if err != nil {
			return err
		}
		if isCall {
			if err := s.deps.Gate.Admit(r.Context(), caller, tool); err != nil {
				return err
			}
			caller.Admitted = true
		}
	}
	c.SetRequest(r.WithContext(app.WithCaller(r.Context(), caller)))
	s.deps.MCP.ServeHTTP(c.Response(), c.Request())
	return nil
}

// toolCallName peeks at a JSON-RPC message: for tools/call it returns the
// tool name. Batches are refused: MCP removed them in 2025-06-18, and every
// call must be decided on its own. Malformed JSON, and a method, params or
// name of the wrong type, pass unadmitted: the SDK refuses them itself.
func toolCallName(body []byte) (string, bool, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '[' {
		return "", false, invalidRequest("JSON-RPC batches are not supported")
	}
	if !json.Valid(trimmed) {
		// The SDK answers malformed JSON with a JSON-RPC parse error.
		return "", false, nil
	}
	if p, ok := peekToolCall(trimmed); ok {
		return p.name, p.isCall, p.err
	}
	return decodeToolCallName(trimmed)
}

// decodeToolCallName is toolCallName by full decoding, for the bodies the
// scanner leaves alone (escaped keys, method or name).
func decodeToolCallName(body []byte) (string, bool, error) {
	// Keys are matched exactly, as the SDK's decoder matches them: a struct
	// would also take "Name" for "name" and admit a tool other than the one
	// the SDK runs. Of duplicate keys the last wins in both.
	var msg map[string]json.RawMessage
	if err := json.Unmarshal(body, &msg); err != nil {
		return "", false, nil
	}
	var method string
	if err := json.Unmarshal(msg["method"], &method); err != nil || method != methodCallTool {
		return "", false, nil
	}
	var params map[string]json.RawMessage
	if raw, ok := msg["params"]; ok {
		if err := json.Unmarshal(raw, &params); err != nil {
			// Not an object: the SDK refuses the call, unadmitted.
			return "", false, nil
		}
	}
	raw, ok := params["name"]
	if !ok || string(raw) == "null" {
		return "", false, errNoToolName()
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		// A name that is not a string: the SDK refuses the call, unadmitted.
		return "", false, nil
	}
	return name, true, nil
}

func errNoToolName() error { return invalidRequest("tools/call needs params.name") }

// writeRateLimited answers 429 with Retry-After and the RateLimit headers
// (draft-ietf-httpapi-ratelimit-headers).
func writeRateLimited(c echo.Context, e *app.RateLimitedError) error {
	h := c.Response().Header()
	secs := e.RetryAfterSeconds()
	h.Set("Retry-After", strconv.Itoa(secs))
	h.Set("RateLimit-Limit", strconv.Itoa(e.Decision.Limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(e.Decision.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(secs))
	h.Set("Cache-Control", "no-store")
	return c.JSON(http.StatusTooManyRequests, map[string]string{"error": "rate_limited", "error_description": e.Error()})
}

func asRateLimited(err error) (*app.RateLimitedError, bool) {
	var rl *app.RateLimitedError
	return rl, errors.As(err, &rl)
}
