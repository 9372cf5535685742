package memory_test

import (
	"testing"

	"gatehouse/adapters/ratelimit/memory"
	"gatehouse/adapters/ratelimit/ratelimittest"
	"gatehouse/ports"
)

func TestConformance(t *testing.T) {
	ratelimittest.Run(t, func(*testing.T) ports.RateLimiter { return memory.New() })
}
