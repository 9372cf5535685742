package ports

import (
	"context"
	"time"
)

// Metrics receives the measurements operators watch. Implementations keep
// label values bounded: they are told outcomes, codes and tool names, never
// subjects or token ids.
type Metrics interface {
	// Authenticated records one bearer-token check and its result (nil, a
	// domain invalid_token error, or an error wrapping ErrUnavailable).
	Authenticated(ctx context.Context, err error, took time.Duration)
	// TokenIssued records an access token issued by a grant type.
	TokenIssued(ctx context.Context, grantType string)
	// RateLimited records a request refused by a rate limit of scope
	// ("tool", "oauth_token", …).
	RateLimited(ctx context.Context, scope string)
	// OAuthError records an OAuth error answered to a client.
	OAuthError(ctx context.Context, code string)
	// ToolInvoked records a tool call and its outcome (ok, error, denied,
	// rate_limited).
	ToolInvoked(ctx context.Context, tool, outcome string, took time.Duration)
	// JWKSFetched records a fetch of an identity provider's key set.
	JWKSFetched(ctx context.Context, took time.Duration, err error)
}

// Tracer starts spans around use cases and calls to the outside world.
// The returned function ends the span, marking it failed when err != nil.
type Tracer interface {
	Start(ctx context.Context, name string) (context.Context, func(err error))
}
