package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/config"
	"gatehouse/domain"
)

// benchBase is the development base URL; requests carry its Host so the
// edge's DNS-rebinding check passes as it does for a real client.
const benchBase = "http://localhost:8000"

// benchEnv is the real system wired in memory, as serve wires it, without
// a listener: development mode, a temporary key file, no rate limits.
type benchEnv struct {
	sys  *system
	edge http.Handler
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	cfg := config.Defaults()
	cfg.Dev = true
	cfg.Auth.Builtin.KeyFile = filepath.Join(b.TempDir(), "signing-keys.json")
	cfg.RateLimit.Enabled = false
	sys, err := build(b.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatalf("build: %v", err)
	}
	b.Cleanup(sys.close)
	tools, err := sys.buildTools()
	if err != nil {
		b.Fatalf("buildTools: %v", err)
	}
	return &benchEnv{sys: sys, edge: newEdge(sys, tools)}
}

// mint issues an access token for the MCP endpoint; id makes it distinct.
func (e *benchEnv) mint(b *testing.B, sub, scope, id string) string {
	b.Helper()
	cfg := e.sys.cfg
	t := time.Now()
	tok, err := e.sys.issuer.IssueAccessToken(b.Context(), domain.AccessTokenClaims{
		Issuer: cfg.Issuer(), Subject: sub, Audience: []string{cfg.MCPURL()}, ClientID: "bench",
		Scopes: domain.ParseScopes(scope), TokenID: id, IssuedAt: t, ExpiresAt: t.Add(time.Hour),
	})
	if err != nil {
		b.Fatalf("mint: %v", err)
	}
	return tok
}

// benchRequest is one request, rebuilt for every iteration because a body
// can be read only once.
type benchRequest struct {
	method, path string
	body         []byte
	header       http.Header
	wantStatus   int
}

func (r benchRequest) build() *http.Request {
	req := httptest.NewRequest(r.method, benchBase+r.path, bytes.NewReader(r.body))
	req.Header = r.header.Clone()
	return req
}

// floorEndpoint is the least an HTTP JSON endpoint can do: drain the body and
// answer a small JSON document.
func floorEndpoint(w http.ResponseWriter, r *http.Request) {
	var buf [512]byte
	for {
		if _, err := r.Body.Read(buf[:]); err != nil {
			break
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// drive serves req through h b.N times and fails on an unexpected status.
// Besides wall time it reports the process's CPU time per request
// ("cpu-ns/op": every goroutine, the collector's included), which other
// jobs on a shared machine disturb far less than wall time, and returns it.
func drive(b *testing.B, h http.Handler, req benchRequest, want int) float64 {
	b.Helper()
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.build())
		if rec.Code != want {
			b.Fatalf("%s %s: status %d, want %d; body %s", req.method, req.path, rec.Code, want, rec.Body)
		}
	}
	cpu := float64(processCPU(b)-start) / float64(b.N)
	b.ReportMetric(cpu, "cpu-ns/op")
	return cpu
}

// processCPU is the user and system CPU time the process has used so far.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// floorPair measures the floor, then Gatehouse, on the same request in the
// same run, and reports Gatehouse's cost per request as a multiple of the
// floor's ("x-floor"; the floor's throughput divided by Gatehouse's).
// gcPercents, when given, runs Gatehouse once per GOGC value.
func floorPair(b *testing.B, edge http.Handler, req benchRequest, gcPercents ...int) {
	versus(b, http.HandlerFunc(floorEndpoint), req, edge, req, gcPercents...)
}

// versus runs the "floor" sub-benchmark (floorReq through floor), then
// "gatehouse" (req through edge), and reports on the latter its wall time
// ("x-floor") and CPU time ("x-floor-cpu") per request as multiples of the
// floor's.
// It returns the CPU time per request of the floor and of Gatehouse (the
// last GOGC run).
func versus(b *testing.B, floor http.Handler, floorReq benchRequest, edge http.Handler, req benchRequest, gcPercents ...int) (floorCPU, gatehouseCPU float64) {
	var floorNs float64
	b.Run("floor", func(b *testing.B) {
		floorCPU = drive(b, floor, floorReq, http.StatusOK)
		floorNs = nsPerOp(b)
	})
	run := func(b *testing.B) {
		cpu := drive(b, edge, req, req.wantStatus)
		gatehouseCPU = cpu
		if floorNs > 0 && floorCPU > 0 {
			b.ReportMetric(nsPerOp(b)/floorNs, "x-floor")
			b.ReportMetric(cpu/floorCPU, "x-floor-cpu")
		}
	}
	if len(gcPercents) == 0 {
		b.Run("gatehouse", run)
		return floorCPU, gatehouseCPU
	}
	for _, pct := range gcPercents {
		b.Run(fmt.Sprintf("gatehouse/GOGC=%d", pct), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(pct))
			run(b)
		})
	}
	return floorCPU, gatehouseCPU
}

// interleaved serves blocks of floorReq through floor and of req through
// edge in turn, so that both meet the same machine: on a shared one the
// load drifts more between two sub-benchmarks than Gatehouse's cost differs
// from the floor's. It reports per request the wall and CPU time of each
// and their ratios (x-floor, x-floor-cpu); the op is one block of each.
func interleaved(b *testing.B, floor http.Handler, floorReq benchRequest, edge http.Handler, req benchRequest) {
	const block = 16
	var wall, cpu [2]time.Duration
	// The pprof label "side" (inherited by the goroutines a request starts)
	// splits a CPU profile of this benchmark: -tagfocus side=gatehouse.
	side := func(i int, name string, h http.Handler, r benchRequest) {
		w0, c0 := time.Now(), processCPU(b)
		pprof.Do(b.Context(), pprof.Labels("side", name), func(context.Context) {
			for range block {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r.build())
				if rec.Code != r.wantStatus {
					b.Fatalf("%s %s: status %d, want %d; body %s", r.method, r.path, rec.Code, r.wantStatus, rec.Body)
				}
			}
		})
		wall[i] += time.Since(w0)
		cpu[i] += processCPU(b) - c0
	}
	for b.Loop() {
		side(0, "floor", floor, floorReq)
		side(1, "gatehouse", edge, req)
	}
	n := float64(b.N * block)
	b.ReportMetric(float64(wall[0])/n, "floor-ns/req")
	b.ReportMetric(float64(wall[1])/n, "gatehouse-ns/req")
	b.ReportMetric(float64(cpu[0])/n, "floor-cpu-ns/req")
	b.ReportMetric(float64(cpu[1])/n, "gatehouse-cpu-ns/req")
	b.ReportMetric(float64(wall[1])/float64(wall[0]), "x-floor")
	b.ReportMetric(float64(cpu[1])/float64(cpu[0]), "x-floor-cpu")
}

func nsPerOp(b *testing.B) float64 {
	if b.N == 0 {
		return 0
	}
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}

// sdkFloorTool has the shape of the whoami tool Gatehouse serves: no input,
// the same structured output, so the SDK does the same schema work for both.
type sdkFloorTool struct {
	Subject   string   `json:"subject" jsonschema:"who the token speaks for"`
	ClientID  string   `json:"client_id" jsonschema:"client the token was issued to"`
	Scopes    []string `json:"scopes" jsonschema:"scopes the token carries"`
	ExpiresAt string   `json:"expires_at,omitempty" jsonschema:"when the access token expires (RFC 3339)"`
	Transport string   `json:"transport" jsonschema:"how this call arrived: http, rest or stdio"`
	Issuer    string   `json:"issuer,omitempty" jsonschema:"who issued the token"`
	Name      string   `json:"name,omitempty" jsonschema:"the subject's name, when the token carries one"`
	Email     string   `json:"email,omitempty" jsonschema:"the subject's email, when the token carries one"`
}

// sdkFloor is the least an MCP server on go-sdk can do for a tools/call: a
// bare SDK server with one tool shaped like whoami, served by the SDK's own
// Streamable HTTP handlers (stateless for 2026-07-28, sessions before), with
// no authentication, policy, rate limit or audit.
func sdkFloor() (modern, legacy http.Handler) {
	srv := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "floor", Version: "1"}, nil)
	closed := false
	mcpsdk.AddTool(srv, &mcpsdk.Tool{
		Name: "whoami", Title: "Who am I", Description: "Shows who the current access token speaks for.",
		Annotations: &mcpsdk.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: &closed},
	}, func(context.Context, *mcpsdk.CallToolRequest, struct{}) (*mcpsdk.CallToolResult, sdkFloorTool, error) {
		return nil, sdkFloorTool{Subject: "alice", ClientID: "bench", Scopes: []string{"read", "write"},
			ExpiresAt: "2030-01-01T00:00:00Z", Transport: "http", Issuer: benchBase + "/auth"}, nil
	})
	get := func(*http.Request) *mcpsdk.Server { return srv }
	modern = mcpsdk.NewStreamableHTTPHandler(get, &mcpsdk.StreamableHTTPOptions{Stateless: true})
	legacy = mcpsdk.NewStreamableHTTPHandler(get, nil)
	return modern, legacy
}

const legacyProtocol = "2025-11-25"

// legacySession opens a 2025-11-25 session on h (initialize, then
// notifications/initialized) with the given headers and returns its id.
// The session's goroutines carry the pprof label side=side, as
// interleaved's requests do.
func legacySession(b *testing.B, side string, h http.Handler, header http.Header) (id string) {
	b.Helper()
	pprof.Do(b.Context(), pprof.Labels("side", side), func(context.Context) {
		id = openLegacySession(b, h, header)
	})
	return id
}

func openLegacySession(b *testing.B, h http.Handler, header http.Header) string {
	b.Helper()
	initialize := benchRequest{method: http.MethodPost, path: "/mcp", header: header.Clone(), body: []byte(
		`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"` + legacyProtocol +
			`","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}`)}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, initialize.build())
	id := rec.Header().Get("Mcp-Session-Id")
	if rec.Code != http.StatusOK || id == "" {
		b.Fatalf("initialize: status %d, session %q; body %s", rec.Code, id, rec.Body)
	}
	note := benchRequest{method: http.MethodPost, path: "/mcp", header: header.Clone(),
		body: []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)}
	note.header.Set("Mcp-Session-Id", id)
	note.header.Set("MCP-Protocol-Version", legacyProtocol)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, note.build())
	if rec.Code != http.StatusAccepted {
		b.Fatalf("notifications/initialized: status %d; body %s", rec.Code, rec.Body)
	}
	return id
}

// legacyCall is a 2025-11-25 tools/call inside session id.
func legacyCall(header http.Header, id, tool string) benchRequest {
	h := header.Clone()
	h.Set("Mcp-Session-Id", id)
	h.Set("MCP-Protocol-Version", legacyProtocol)
	return benchRequest{method: http.MethodPost, path: "/mcp", header: h, wantStatus: http.StatusOK,
		body: []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`)}
}
