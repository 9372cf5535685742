package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// Benchmarks of the real edge, in process, each beside a floor: a bare
// handler answering the same request with a small JSON body. The x-floor
// metric is Gatehouse's time per request as a multiple of the floor's,
// measured in the same run. docs/performance.md records the results.

const benchProtocol = "2026-07-28"

// modernCall is a 2026-07-28 JSON-RPC request: protocol version and client
// capabilities travel in _meta and in the MCP-Protocol-Version,
// Mcp-Method and Mcp-Name headers.
func modernCall(b *testing.B, token, method string, params map[string]any) benchRequest {
	b.Helper()
	if params == nil {
		params = map[string]any{}
	}
	params["_meta"] = map[string]any{
		"io.modelcontextprotocol/protocolVersion":    benchProtocol,
		"io.modelcontextprotocol/clientCapabilities": map[string]any{},
		"io.modelcontextprotocol/clientInfo":         map[string]any{"name": "bench", "version": "1"},
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	if err != nil {
		b.Fatal(err)
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+token)
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json, text/event-stream")
	h.Set("MCP-Protocol-Version", benchProtocol)
	h.Set("Mcp-Method", method)
	if name, ok := params["name"].(string); ok {
		h.Set("Mcp-Name", name)
	}
	return benchRequest{method: http.MethodPost, path: "/mcp", body: body, header: h, wantStatus: http.StatusOK}
}

func BenchmarkTokenClientCredentials(b *testing.B) {
	e := newBenchEnv(b)
	h := http.Header{}
	h.Set("Content-Type", "application/x-www-form-urlencoded")
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(demoServiceClient+":"+demoServiceSecret)))
	floorPair(b, e.edge, benchRequest{
		method: http.MethodPost, path: "/auth/token", header: h, wantStatus: http.StatusOK,
		body: []byte("grant_type=client_credentials&scope=read"),
	})
}

func BenchmarkToolsCallModern(b *testing.B) {
	e := newBenchEnv(b)
	req := modernCall(b, e.mint(b, "alice", "read write", "bench-call"), "tools/call",
		map[string]any{"name": "whoami", "arguments": map[string]any{}})
	// GOGC=100 is Go's default; DESIGN.md measured the SDK's per-call cost
	// as mostly allocation, so the collector's pacing shows here.
	floorPair(b, e.edge, req, 100, 400)
}

func BenchmarkToolsListModern(b *testing.B) {
	e := newBenchEnv(b)
	floorPair(b, e.edge, modernCall(b, e.mint(b, "alice", "read write", "bench-list"), "tools/list", nil))
}

func BenchmarkRESTExecute(b *testing.B) {
	e := newBenchEnv(b)
	h := http.Header{}
	h.Set("Authorization", "Bearer "+e.mint(b, "alice", "read write", "bench-rest"))
	h.Set("Content-Type", "application/json")
	floorPair(b, e.edge, benchRequest{
		method: http.MethodPost, path: "/mcp/execute/whoami", header: h, wantStatus: http.StatusOK,
		body: []byte(`{"arguments":{}}`),
	})
}

// BenchmarkAuthenticate is bearer verification plus the revocation check,
// called directly. "cached" verifies one token again and again (the
// verified-token cache answers after the revocation check); "uncached"
// presents a token never seen before on every iteration, so the signature
// is checked each time. The floor is a bare HTTP request carrying a bearer.
func BenchmarkAuthenticate(b *testing.B) {
	e := newBenchEnv(b)
	h := http.Header{}
	h.Set("Authorization", "Bearer "+e.mint(b, "alice", "read", "bench-floor"))
	var floorNs float64
	b.Run("floor", func(b *testing.B) {
		drive(b, http.HandlerFunc(floorEndpoint), benchRequest{method: http.MethodGet, path: "/mcp/tools", header: h}, http.StatusOK)
		floorNs = nsPerOp(b)
	})
	report := func(b *testing.B) {
		if floorNs > 0 {
			b.ReportMetric(nsPerOp(b)/floorNs, "x-floor")
		}
	}
	b.Run("cached", func(b *testing.B) {
		tok := e.mint(b, "alice", "read", "bench-cached")
		if _, err := e.sys.authn.Authenticate(b.Context(), tok); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.sys.authn.Authenticate(b.Context(), tok); err != nil {
				b.Fatal(err)
			}
		}
		report(b)
	})
	b.Run("uncached", func(b *testing.B) {
		// The verifier's cache cannot be switched off from here, so every
		// iteration gets its own token, minted before the timer starts.
		toks := make([]string, b.N)
		for i := range toks {
			toks[i] = e.mint(b, "alice", "read", fmt.Sprintf("bench-uncached-%d-%d", b.N, i))
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if _, err := e.sys.authn.Authenticate(b.Context(), toks[i]); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		report(b)
	})
}
