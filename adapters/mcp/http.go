package mcp

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

// modernProtocol is the first revision served statelessly: from 2026-07-28
// every request stands alone, while older revisions keep the initialize
// handshake and Mcp-Session-Id. Dated versions compare as strings.
const modernProtocol = "2026-07-28"

// edgeClockSkew keeps the SDK's own expiry check from refusing a token the
// edge accepted within its leeway; the edge is the one that decides.
const edgeClockSkew = 5 * time.Minute

// HTTPHandler serves Streamable HTTP for both protocol eras over the one SDK
// server: requests declaring MCP-Protocol-Version 2026-07-28 or later go to
// a stateless handler, the rest (no header, GET, DELETE, older versions) to
// a stateful one. The edge must have checked Origin and Host and put the
// authenticated caller in the request context.
func (s *Server) HTTPHandler() http.Handler {
	getServer := func(*http.Request) *mcpsdk.Server { return s.sdk }
	// The edge validates Host and Origin against the configured origins; the
	// SDK's loopback-only Host check would refuse a server behind a local
	// reverse proxy.
	stateless := mcpsdk.NewStreamableHTTPHandler(getServer, &mcpsdk.StreamableHTTPOptions{
		Stateless:                    true,
		Logger:                       sdkLogger(s.log),
		DisableLocalhostProtection:   true,
		PropagateRequestCancellation: true,
	})
	stateful := mcpsdk.NewStreamableHTTPHandler(getServer, &mcpsdk.StreamableHTTPOptions{
		Logger:                     sdkLogger(s.log),
		DisableLocalhostProtection: true,
		SessionTimeout:             s.sessionTimeout,
	})
	bearer := auth.RequireBearerToken(verifyContextCaller, &auth.RequireBearerTokenOptions{
		AllowMissingExpiration: true,
		ClockSkew:              edgeClockSkew,
	})
	modern, legacy := bearer(stateless), bearer(stateful)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// In-process requests (the REST API) arrive without the header the
		// SDK middleware insists on; the caller in the context is what
		// authenticates them, as it does every request here.
		if r.Header.Get("Authorization") == "" {
			if _, ok := app.CallerFrom(r.Context()); ok {
				r = r.Clone(r.Context())
				r.Header.Set("Authorization", "Bearer edge-authenticated")
			}
		}
		// The canonical spelling: any other makes Get allocate to fold it.
		if r.Header.Get("Mcp-Protocol-Version") >= modernProtocol {
			modern.ServeHTTP(w, r)
			return
		}
		legacy.ServeHTTP(w, r)
	})
}

// verifyContextCaller ignores the raw token, which the edge has verified,
// and hands the SDK the edge's caller: UserID binds legacy sessions to the
// subject (another user's request to the session gets 403), and Extra
// carries the caller to the middleware on every request.
func verifyContextCaller(ctx context.Context, _ string, _ *http.Request) (*auth.TokenInfo, error) {
	c, ok := app.CallerFrom(ctx)
	if !ok {
		return nil, fmt.Errorf("%w: no authenticated caller", auth.ErrInvalidToken)
	}
	return &auth.TokenInfo{
		UserID:     c.Principal.Subject,
		Scopes:     c.Principal.Scopes,
		Expiration: c.Principal.ExpiresAt,
		Extra:      map[string]any{tokenInfoCallerKey: c},
	}, nil
}
