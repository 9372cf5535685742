package mcp

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

const (
	methodListTools = "tools/list"
	methodCallTool  = "tools/call"
)

// guard is the receiving middleware: it ties every request to a caller,
// filters tools/list by the caller's scopes, and admits and audits tools/call.
//
// A request's handler runs on a goroutine of its own whose stack starts
// small; the tool handler and the SDK's schema validation run on top of
// this middleware, so its frames are kept small: the caller travels by
// pointer, and the work before and after the handler (admission, audit)
// happens in functions that have returned by the time the handler runs.
// Otherwise each call pays for copying a grown stack.
func (s *Server) guard(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		// Notifications carry no result and run no tool; refusing one would
		// only leave a legacy session half-initialized.
		if strings.HasPrefix(method, "notifications/") {
			return next(ctx, method, req)
		}
		ctx, caller, err := s.enter(ctx, method, req)
		if err != nil {
			return nil, err
		}
		switch method {
		case methodListTools:
			return s.listTools(ctx, caller, next, method, req)
		case methodCallTool:
			// Inline rather than a call of its own: one frame fewer under
			// the tool handler.
			params, _ := req.GetParams().(*mcpsdk.CallToolParamsRaw)
			if params != nil && !caller.Admitted {
				if err := s.admit(ctx, caller, params.Name); err != nil {
					return nil, err
				}
			}
			start := s.now()
			ctx, end := s.toolSpan(ctx, params)
			res, err := next(ctx, method, req)
			end(err)
			if params != nil {
				s.record(ctx, caller, params, s.now().Sub(start), res, err)
			}
			return res, err
		}
		res, err := next(ctx, method, req)
		return res, refusalError(err)
	}
}

// enter finds the request's caller and puts it in the context.
func (s *Server) enter(ctx context.Context, method string, req mcpsdk.Request) (context.Context, *app.Caller, error) {
	caller, err := callerOf(ctx, req)
	if err != nil {
		s.log.InfoContext(ctx, "mcp request refused", "method", method, "error", err)
		return ctx, nil, callerError(err)
	}
	return app.WithCaller(ctx, caller), &caller, nil
}

// listTools shows only the tools the caller may call. The SDK's Tool values
// are shared by every session, so the filtered list is a new slice of the
// same, unmodified pointers.
func (s *Server) listTools(ctx context.Context, caller *app.Caller, next mcpsdk.MethodHandler, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
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

// admit asks the gate, and turns a refusal into the JSON-RPC error.
func (s *Server) admit(ctx context.Context, caller *app.Caller, tool string) *jsonrpc.Error {
	err := s.gate.Admit(ctx, *caller, tool)
	if err == nil {
		return nil
	}
	s.log.InfoContext(ctx, "tool call refused", "tool", tool, "subject", caller.Principal.Subject, "error", err)
	return admitError(tool, err)
}

// record writes the call's outcome to the audit trail.
func (s *Server) record(ctx context.Context, caller *app.Caller, params *mcpsdk.CallToolParamsRaw, took time.Duration, res mcpsdk.Result, err error) {
	outcome, reason := "ok", ""
	if err != nil {
		outcome, reason = "error", s.failure("protocol error", err.Error())
	} else if r, ok := res.(*mcpsdk.CallToolResult); ok && r.IsError {
		outcome, reason = "error", s.failure("tool error", firstText(r))
	}
	s.gate.Record(ctx, *caller, params.Name, outcome, reason, took, arguments(params.Arguments, s.gate.AuditArguments))
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

// arguments decodes a call's arguments for the audit trail. Unless the
// gate keeps argument values, only the names are read: the gate redacts
// every value, so decoding them would be wasted.
func arguments(raw json.RawMessage, values bool) map[string]any {
	if len(raw) == 0 || string(raw) == "{}" || string(raw) == "null" {
		return nil
	}
	if !values {
		var names map[string]json.RawMessage
		if err := json.Unmarshal(raw, &names); err != nil || len(names) == 0 {
			return nil
		}
		m := make(map[string]any, len(names))
		for k := range names {
			m[k] = nil
		}
		return m
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}

// toolSpan traces the tool's own run, apart from admission and audit.
func (s *Server) toolSpan(ctx context.Context, params *mcpsdk.CallToolParamsRaw) (context.Context, func(error)) {
	if s.tracer == nil {
		return ctx, func(error) {}
	}
	name := "tool"
	if params != nil {
		name = "tool " + params.Name
	}
	return s.tracer.Start(ctx, name)
}
