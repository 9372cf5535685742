package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

const (
	methodListTools = "tools/list"
	methodCallTool  = "tools/call"
)

// guard is the receiving middleware: it ties every request to a caller,
// filters tools/list by the caller's scopes, and admits and audits tools/call.
func (s *Server) guard(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		// Notifications carry no result and run no tool; refusing one would
		// only leave a legacy session half-initialized.
		if strings.HasPrefix(method, "notifications/") {
			return next(ctx, method, req)
		}
		caller, err := callerOf(ctx, req)
		if err != nil {
			s.log.InfoContext(ctx, "mcp request refused", "method", method, "error", err)
			return nil, callerError(err)
		}
		ctx = app.WithCaller(ctx, caller)
		switch method {
		case methodListTools:
			return s.listTools(ctx, caller, next, method, req)
		case methodCallTool:
			return s.callTool(ctx, caller, next, method, req)
		}
		return next(ctx, method, req)
	}
}

// listTools shows only the tools the caller may call. The SDK's Tool values
// are shared by every session, so the filtered list is a new slice of the
// same, unmodified pointers.
func (s *Server) listTools(ctx context.Context, caller app.Caller, next mcpsdk.MethodHandler, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
	res, err := next(ctx, method, req)
	if err != nil {
		return res, err
	}
	list, ok := res.(*mcpsdk.ListToolsResult)
	if !ok {
		return res, nil
	}
	out := *list
	out.Tools = make([]*mcpsdk.Tool, 0, len(list.Tools))
	for _, t := range list.Tools {
		if s.gate.Visible(caller.Principal, t.Name) {
			out.Tools = append(out.Tools, t)
		}
	}
	return &out, nil
}

// callTool admits the call (unless the HTTP edge already did), runs it and
// records the outcome.
func (s *Server) callTool(ctx context.Context, caller app.Caller, next mcpsdk.MethodHandler, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
	params, _ := req.GetParams().(*mcpsdk.CallToolParamsRaw)
	if params == nil {
		return next(ctx, method, req)
	}
	tool := params.Name
	if !caller.Admitted {
		if err := s.gate.Admit(ctx, caller, tool); err != nil {
			s.log.InfoContext(ctx, "tool call refused", "tool", tool, "subject", caller.Principal.Subject, "error", err)
			return nil, admitError(tool, err)
		}
	}
	start := s.now()
	res, err := next(ctx, method, req)
	took := s.now().Sub(start)
	outcome, reason := "ok", ""
	if err != nil {
		outcome, reason = "error", s.failure("protocol error", err.Error())
	} else if r, ok := res.(*mcpsdk.CallToolResult); ok && r.IsError {
		outcome, reason = "error", s.failure("tool error", firstText(r))
	}
	s.gate.Record(ctx, caller, tool, outcome, reason, took, arguments(params.Arguments))
	return res, err
}

func (s *Server) now() time.Time {
	if s.gate.Clock != nil {
		return s.gate.Clock()
	}
	return time.Now()
}

// failure is the audit reason for a failed call. Error texts often quote
// the arguments, so they are kept only where argument values are.
func (s *Server) failure(kind, detail string) string {
	if !s.gate.AuditArguments || detail == "" {
		return kind
	}
	const maxDetail = 200
	if r := []rune(detail); len(r) > maxDetail {
		detail = string(r[:maxDetail]) + "…"
	}
	return kind + ": " + detail
}

func firstText(r *mcpsdk.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(*mcpsdk.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// arguments decodes a call's arguments for the audit trail; the gate
// redacts the values unless configured otherwise.
func arguments(raw json.RawMessage) map[string]any {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}
