package main

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime/debug"
	"testing"
	"time"

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
	return &benchEnv{sys: sys, edge: newEdge(sys, sys.buildTools())}
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
func drive(b *testing.B, h http.Handler, req benchRequest, want int) {
	b.Helper()
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req.build())
		if rec.Code != want {
			b.Fatalf("%s %s: status %d, want %d; body %s", req.method, req.path, rec.Code, want, rec.Body)
		}
	}
}

// floorPair measures the floor, then Gatehouse, on the same request in the
// same run, and reports Gatehouse's cost per request as a multiple of the
// floor's ("x-floor"; the floor's throughput divided by Gatehouse's).
// gcPercents, when given, runs Gatehouse once per GOGC value.
func floorPair(b *testing.B, edge http.Handler, req benchRequest, gcPercents ...int) {
	var floorNs float64
	b.Run("floor", func(b *testing.B) {
		drive(b, http.HandlerFunc(floorEndpoint), req, http.StatusOK)
		floorNs = nsPerOp(b)
	})
	run := func(b *testing.B) {
		drive(b, edge, req, req.wantStatus)
		if floorNs > 0 {
			b.ReportMetric(nsPerOp(b)/floorNs, "x-floor")
		}
	}
	if len(gcPercents) == 0 {
		b.Run("gatehouse", run)
		return
	}
	for _, pct := range gcPercents {
		b.Run(fmt.Sprintf("gatehouse/GOGC=%d", pct), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(pct))
			run(b)
		})
	}
}

func nsPerOp(b *testing.B) float64 {
	if b.N == 0 {
		return 0
	}
	return float64(b.Elapsed().Nanoseconds()) / float64(b.N)
}
