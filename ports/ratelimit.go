package ports

import (
	"context"
	"time"
)

// RateDecision is the outcome of one rate-limit check.
type RateDecision struct {
	Allowed   bool
	Limit     int
	Remaining int
	// Reset is when the current window ends.
	Reset time.Time
}

// RateLimiter counts events per key in fixed windows.
type RateLimiter interface {
	// Allow counts one event for key in the window containing now and says
	// whether it is within limit. Windows start at multiples of window since
	// the Unix epoch, so replicas agree on them; refused events are not
	// counted; Remaining is never negative; limit or window <= 0 is an error.
	Allow(ctx context.Context, key string, limit int, window time.Duration, now time.Time) (RateDecision, error)
}
