package mcp

import (
	"context"
	"errors"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

// tokenInfoCallerKey is where the HTTP verifier puts the caller in the SDK's
// TokenInfo.Extra.
const tokenInfoCallerKey = "caller"

// authenticateFunc returns the caller of a stdio request; it validates the
// token again each time so one that expires mid-session stops working.
type authenticateFunc func(context.Context) (app.Caller, error)

type authenticateKey struct{}

func withAuthenticate(ctx context.Context, f authenticateFunc) context.Context {
	return context.WithValue(ctx, authenticateKey{}, f)
}

// errNoCaller: a request reached the server without an authenticated caller.
var errNoCaller = errors.New("no authenticated caller")

// authError says the caller's credentials were refused; its message is the
// one the stdio client shows.
type authError struct{ cause error }

func (e *authError) Error() string { return "OAuth2 authentication failed: " + e.cause.Error() }
func (e *authError) Unwrap() error { return e.cause }

// callerOf finds who makes a request. The stdio authenticator wins, so the
// token is checked on every request. Next comes the TokenInfo of this very
// HTTP request: a legacy session's context keeps the values of the request
// that created it, so app.CallerFrom(ctx) would name whoever initialized the
// session, with the scopes and admission of that first request. The context
// caller serves in-process connections.
func callerOf(ctx context.Context, req mcpsdk.Request) (app.Caller, error) {
	if auth, ok := ctx.Value(authenticateKey{}).(authenticateFunc); ok && auth != nil {
		c, err := auth(ctx)
		if err != nil {
			return app.Caller{}, &authError{cause: err}
		}
		if c.Transport == "" {
			c.Transport = app.TransportStdio
		}
		return c, nil
	}
	if extra := req.GetExtra(); extra != nil && extra.TokenInfo != nil {
		c, ok := extra.TokenInfo.Extra[tokenInfoCallerKey].(app.Caller)
		if !ok {
			return app.Caller{}, errNoCaller
		}
		if c.Transport == "" {
			c.Transport = app.TransportHTTP
		}
		return c, nil
	}
	if c, ok := app.CallerFrom(ctx); ok {
		return c, nil
	}
	return app.Caller{}, errNoCaller
}
