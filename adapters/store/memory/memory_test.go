package memory_test

import (
	"testing"

	"gatehouse/adapters/store/memory"
	"gatehouse/adapters/store/storetest"
	"gatehouse/ports"
)

func TestConformance(t *testing.T) {
	// Replicas of a memory store are the same *Store: the replica cases
	// then check the suite itself more than the backend.
	var last *memory.Store
	storetest.Run(t, storetest.Harness{
		New: func(*testing.T) ports.Stores {
			last = memory.New()
			return last.Stores()
		},
		NewReplica: func(*testing.T) ports.Stores { return last.Stores() },
	})
}
