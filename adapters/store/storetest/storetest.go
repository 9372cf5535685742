// Package storetest is the one conformance suite every store adapter runs.
// Each case asserts sentences of the port contracts in package ports, so a
// backend that passes behaves like every other backend to the use cases.
//
// Time is never read from a clock: every port method takes now, so the suite
// passes instants of its own, moving forward only within a case, and decides
// expiry by them. Records refer to others only as real flows do: the codes
// and refresh tokens of a case belong to a grant the case created.
package storetest

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"gatehouse/ports"
)

// suiteTimeout bounds the whole run so that a deadlocked adapter fails with
// every goroutine's stack instead of hanging until go test's own timeout.
const suiteTimeout = 60 * time.Second

// Harness tells the suite how to build the stores under test.
type Harness struct {
	// New returns empty stores for one subtest (cleanup via t.Cleanup).
	// Called once per subtest.
	New func(t *testing.T) ports.Stores
	// NewReplica, if set, returns a second ports.Stores over the same
	// backend as the last New call (two replicas sharing one database); nil
	// for backends where that is meaningless. Replica cases skip without it.
	NewReplica func(t *testing.T) ports.Stores
}

type testCase struct {
	name string
	run  func(t *testing.T, h Harness)
}

// cases lists every conformance case. Names are stable: adapters may refer to
// them with -run.
func cases() []testCase {
	return []testCase{
		{"Ping", testPing},

		{"ClientCRUD", testClientCRUD},
		{"ClientListOrdered", testClientListOrdered},
		{"ClientNoAliasing", testClientNoAliasing},

		{"GrantCRUD", testGrantCRUD},
		{"GrantExpiry", testGrantExpiry},
		{"GrantListActive", testGrantListActive},
		{"GrantRevoke", testGrantRevoke},
		{"GrantRevokeExpired", testGrantRevokeExpired},
		{"GrantNoAliasing", testGrantNoAliasing},

		{"CodeSaveDuplicate", testCodeSaveDuplicate},
		{"CodeRedeemedOnce", testCodeRedeemedOnce},
		{"CodeUnknown", testCodeUnknown},
		{"CodeExpired", testCodeExpired},
		{"CodeUsedThenExpired", testCodeUsedThenExpired},

		{"RefreshSaveGet", testRefreshSaveGet},
		{"RefreshExpiry", testRefreshExpiry},
		{"RefreshRotate", testRefreshRotate},
		{"RefreshRotateUnknown", testRefreshRotateUnknown},
		{"RefreshRotationReuse", testRefreshRotationReuse},
		{"RefreshGrantRevoked", testRefreshGrantRevoked},
		{"RefreshGrace", testRefreshGrace},
		{"RefreshGraceExpired", testRefreshGraceExpired},

		{"RevocationAnyRevoked", testRevocationAnyRevoked},
		{"RevocationExpiry", testRevocationExpiry},
		{"RevocationIdempotent", testRevocationIdempotent},

		{"AuthRequestLifecycle", testAuthRequestLifecycle},
		{"AuthRequestExpiry", testAuthRequestExpiry},
		{"AuthRequestDeleteMissing", testAuthRequestDeleteMissing},

		{"ConsentLifecycle", testConsentLifecycle},
		{"ConsentKeyedBySubjectAndClient", testConsentKeyedBySubjectAndClient},

		{"SessionCRUD", testSessionCRUD},
		{"SessionExpiry", testSessionExpiry},
		{"SessionSlidingExpiry", testSessionSlidingExpiry},
		{"SessionTouchMissing", testSessionTouchMissing},
		{"SessionLimit", testSessionLimit},
		{"SessionLimitIgnoresOthers", testSessionLimitIgnoresOthers},
		{"SessionList", testSessionList},

		{"KeysRotation", testKeysRotation},
		{"KeyNoAliasing", testKeyNoAliasing},

		{"UserCRUD", testUserCRUD},
		{"UserListOrdered", testUserListOrdered},
		{"UserNoAliasing", testUserNoAliasing},

		{"ConcurrentCodeRedeem", testConcurrentCodeRedeem},
		{"ConcurrentRefreshRotate", testConcurrentRefreshRotate},
		{"ConcurrentSessionLimit", testConcurrentSessionLimit},

		{"ReplicaSeesWrites", testReplicaSeesWrites},
		{"ReplicaSessions", testReplicaSessions},
		{"ReplicaOneShotSecrets", testReplicaOneShotSecrets},
		{"ReplicaSeesUsers", testReplicaSeesUsers},
	}
}

// Run runs every conformance case against the stores h builds.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil {
		t.Fatal("storetest: Harness.New is nil")
	}
	withTimeout(suiteTimeout, func() {
		for _, c := range cases() {
			t.Run(c.name, func(t *testing.T) { c.run(t, h) })
		}
	})
}

// withTimeout runs f and, if it has not returned after d, prints every
// goroutine's stack and crashes the test binary: a deadlock must fail loudly.
func withTimeout(d time.Duration, f func()) {
	done := make(chan struct{})
	defer close(done)
	go func() {
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			buf := make([]byte, 8<<20)
			n := runtime.Stack(buf, true)
			fmt.Fprintf(os.Stderr, "storetest: suite still running after %v; goroutines:\n%s\n", d, buf[:n])
			panic(fmt.Sprintf("storetest: suite timed out after %v (possible deadlock)", d))
		}
	}()
	f()
}
