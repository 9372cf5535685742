package postgres

import (
	"testing"

	"gatehouse/adapters/ratelimit/ratelimittest"
	"gatehouse/adapters/store/storetest"
	"gatehouse/ports"
)

// TestConformance runs the store and rate-limit suites against real
// PostgreSQL, each case in a fresh schema; replicas are second Stores (a
// second pool) over the same schema.
func TestConformance(t *testing.T) {
	schemas := newSchemaPool(t, 2)
	t.Run("storetest", func(t *testing.T) {
		var lastDSN string
		storetest.Run(t, storetest.Harness{
			New: func(t *testing.T) ports.Stores {
				lastDSN = schemas.take(t)
				return openStore(t, lastDSN, Options{}).Stores()
			},
			NewReplica: func(t *testing.T) ports.Stores {
				return openStore(t, lastDSN, Options{}).Stores()
			},
		})
	})
	t.Run("ratelimittest", func(t *testing.T) {
		ratelimittest.Run(t, func(t *testing.T) ports.RateLimiter {
			return openStore(t, schemas.take(t), Options{})
		})
	})
}
