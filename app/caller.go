package app

import (
	"context"

	"gatehouse/domain"
)

// Transports a tool call can arrive on, as recorded in the audit trail.
const (
	TransportHTTP  = "http"
	TransportREST  = "rest"
	TransportStdio = "stdio"
)

// Caller is who makes a tool call and how: the principal of the bearer
// token and the transport it came through.
type Caller struct {
	Principal domain.Principal
	Transport string
	// Admitted is set when the edge already applied scope policy and the rate
	// limit to this call, so the MCP layer must not count it twice.
	Admitted bool
}

type callerKey struct{}

// WithCaller returns a context carrying the caller, for tool handlers.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of a tool call; ok is false outside one.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}
