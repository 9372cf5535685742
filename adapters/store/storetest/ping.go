package storetest

import "testing"

// testPing: a freshly built backend is reachable.
func testPing(t *testing.T, h Harness) {
	s := h.New(t)
	if s.Pinger == nil {
		t.Fatal("Stores.Pinger is nil")
	}
	check(t, "Ping", s.Pinger.Ping(t.Context()), nil)
}
