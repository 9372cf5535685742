package upstream_test

import (
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/adapters/tools/upstream"
)

// BenchmarkCallThroughGateway measures what the gateway adds to a tool
// call: blocks of calls straight to an upstream (the floor) alternate with
// blocks through Gatehouse's server and the gateway to the same upstream,
// so both meet the same machine. A call through the gateway makes two SDK
// round trips where the floor makes one, so about 2 x-floor is the cost of
// the hop itself; the rest is the gateway's.
func BenchmarkCallThroughGateway(b *testing.B) {
	up := newFakeUpstream(nil)
	addEcho(up.server, "echo", nil)
	direct := benchSession(b, up)
	f := startFront(b, []upstream.Config{{Name: "u", Prefix: "u_", Connect: up.connect, Timeout: 10 * time.Second, MaxConcurrency: 8}}, frontOptions{}).client
	args := map[string]any{"text": "hi"}
	const block = 16
	var wall [2]time.Duration
	call := func(i int, cs *mcpsdk.ClientSession, name string) {
		start := time.Now()
		for range block {
			res, err := cs.CallTool(b.Context(), &mcpsdk.CallToolParams{Name: name, Arguments: args})
			if err != nil || res.IsError {
				b.Fatalf("%s: %v %v", name, err, res)
			}
		}
		wall[i] += time.Since(start)
	}
	for b.Loop() {
		call(0, direct, "echo")
		call(1, f, "u_echo")
	}
	n := float64(b.N * block)
	b.ReportMetric(float64(wall[0])/n, "floor-ns/call")
	b.ReportMetric(float64(wall[1])/n, "gateway-ns/call")
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "x-floor")
}

func benchSession(b *testing.B, up *fakeUpstream) *mcpsdk.ClientSession {
	b.Helper()
	tr, err := up.connect(b.Context(), nil)
	if err != nil {
		b.Fatal(err)
	}
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "direct", Version: "1"}, nil).
		Connect(b.Context(), tr, &mcpsdk.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cs.Close() })
	return cs
}
