package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"gatehouse/app"
	"gatehouse/domain"
)

// JSON-RPC error codes for refusals, from the range JSON-RPC leaves to
// implementations (-32000 to -32019; MCP reserves -32020 and below). The
// SDK's jsonrpc2 layer gives -32001 to -32005 meanings of its own (a
// -32004 reads as "server is closing"), so these start at -32010.
const (
	codeUnauthenticated   = -32010
	codeInsufficientScope = -32011
	codeRateLimited       = -32012
	codeUnavailable       = -32013
)

// callerError is what a client sees when its request has no usable caller.
func callerError(err error) *jsonrpc.Error {
	var ae *authError
	if errors.As(err, &ae) {
		return &jsonrpc.Error{Code: codeUnauthenticated, Message: ae.Error()}
	}
	return &jsonrpc.Error{Code: codeUnauthenticated, Message: "authentication required"}
}

// admitError turns a ToolGate refusal into a JSON-RPC error. A refusal the
// gate does not classify is still a refusal: without an answer from the rate
// limiter the call must not run.
func admitError(tool string, err error) *jsonrpc.Error {
	var oe *domain.OAuthError
	if errors.As(err, &oe) && oe.Code == domain.CodeInsufficientScope {
		data, _ := json.Marshal(map[string]any{"error": oe.Code, "scope": oe.Scope.String()})
		return &jsonrpc.Error{
			Code:    codeInsufficientScope,
			Message: fmt.Sprintf("%s: tool %s needs scope %s", domain.CodeInsufficientScope, tool, oe.Scope.String()),
			Data:    data,
		}
	}
	var rl *app.RateLimitedError
	if errors.As(err, &rl) {
		data, _ := json.Marshal(map[string]any{
			"error":       domain.CodeRateLimited,
			"limit":       rl.Decision.Limit,
			"retry_after": int(math.Ceil(rl.RetryAfter.Seconds())),
		})
		return &jsonrpc.Error{Code: codeRateLimited, Message: rl.Error(), Data: data}
	}
	return &jsonrpc.Error{Code: codeUnavailable, Message: "service unavailable"}
}

// refusalError gives a scope refusal from a handler (an upstream's prompt
// or resource) the same JSON-RPC form as a refused tool call; any other
// error passes as it is.
func refusalError(err error) error {
	var oe *domain.OAuthError
	if err == nil || !errors.As(err, &oe) || oe.Code != domain.CodeInsufficientScope {
		return err
	}
	data, _ := json.Marshal(map[string]any{"error": oe.Code, "scope": oe.Scope.String()})
	return &jsonrpc.Error{Code: codeInsufficientScope, Message: oe.Code + ": " + oe.Description, Data: data}
}
