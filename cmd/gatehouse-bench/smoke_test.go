package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// startFloors serves the floors in this process, with the memory store.
func startFloors(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(floorMux(map[string]floorStore{"memory": newMemoryFloor()}, slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// The harness' clients and the floors speak the same wire: every kind of
// step succeeds against them.
func TestFloorsAnswerTheHarnessClients(t *testing.T) {
	u := startFloors(t)
	c := newHTTPClient(2)
	ctx := t.Context()

	t.Run("tools/call 2026-07-28", func(t *testing.T) {
		if err := (mcpTarget{URL: u + "/mcp"}).modernStep(c, "whoami", "{}", nil, toolResult)(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("tools/call in a 2025-11-25 session", func(t *testing.T) {
		s, stop, err := mcpTarget{URL: u + "/mcp"}.legacySession(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		if err := s(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("unknown tool is not a success", func(t *testing.T) {
		if err := (mcpTarget{URL: u + "/mcp"}).modernStep(c, "nope", "{}", nil, toolResult)(ctx); err == nil {
			t.Error("calling an unknown tool counted as a success")
		}
	})
	t.Run("client_credentials", func(t *testing.T) {
		if err := clientCredentialsStep(c, u+"/floor/token/memory", "demo-service", "demo-service-secret")(ctx); err != nil {
			t.Error(err)
		}
	})
	t.Run("refresh chain rotates and refuses reuse", func(t *testing.T) {
		req, err := postForm(ctx, c, u+"/floor/refresh/memory/seed", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		first, err := tokenExchange(c, req)
		if err != nil {
			t.Fatal(err)
		}
		chain := refreshStep(c, u+"/floor/refresh/memory", floorClientID, first.RefreshToken)
		for i := range 3 {
			if err := chain(ctx); err != nil {
				t.Fatalf("rotation %d: %v", i+1, err)
			}
		}
		if err := refreshStep(c, u+"/floor/refresh/memory", floorClientID, first.RefreshToken)(ctx); err == nil {
			t.Error("a rotated token was accepted again")
		}
	})
	t.Run("code flow", func(t *testing.T) {
		fc := flowClient{base: u + "/flow", resource: u + "/mcp", user: "alice", rt: c.Transport}
		res, err := fc.run(ctx, floorClientID)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Consented || res.Token.AccessToken == "" || res.Token.RefreshToken == "" {
			t.Errorf("flow ended with %+v, want consent shown and tokens", res)
		}
	})
	t.Run("a flow that goes wrong is not a success", func(t *testing.T) {
		fc := flowClient{base: u + "/flow", resource: u + "/mcp", user: "alice", rt: c.Transport}
		fc.base += "/" // a different path: 404 at authorize
		if _, err := fc.run(ctx, floorClientID); err == nil {
			t.Error("a flow against a missing endpoint succeeded")
		}
	})
}

// measure reads the serving process' CPU time and allocation counter and
// divides them by the successful requests.
func TestMeasureReadsTheServer(t *testing.T) {
	u := startFloors(t)
	c := newHTTPClient(2)
	steps := same(clientCredentialsStep(c, u+"/floor/token/memory", "demo-service", "demo-service-secret"), 2)
	r, err := measure(t.Context(), steps, 100*time.Millisecond, floorProbe(u, os.Getpid))
	if err != nil {
		t.Fatal(err)
	}
	if r.OK == 0 || r.Errors != 0 {
		t.Fatalf("ok %d errors %d (%s), want successes only", r.OK, r.Errors, r.FirstErr)
	}
	if r.CPUPerOp < 0 {
		t.Errorf("CPU/op unknown with a PID to read")
	}
	if r.AllocsPerOp <= 0 {
		t.Errorf("allocs/op %v, want the server's allocations counted", r.AllocsPerOp)
	}
	if r.P50 <= 0 || r.P99 < r.P50 {
		t.Errorf("p50 %v p99 %v, want 0 < p50 ≤ p99", r.P50, r.P99)
	}
	r, err = measure(t.Context(), steps, 10*time.Millisecond, probe{})
	if err != nil || r.CPUPerOp >= 0 || r.AllocsPerOp >= 0 {
		t.Errorf("without a probe: CPU %v allocs %v (%v), want both unknown", r.CPUPerOp, r.AllocsPerOp, err)
	}
	silent := probe{Mallocs: func(context.Context) (uint64, error) { return 0, errNotReported }}
	r, err = measure(t.Context(), steps, 10*time.Millisecond, silent)
	if err != nil || r.AllocsPerOp >= 0 {
		t.Errorf("server without allocation counter: allocs %v (%v), want unknown and no error", r.AllocsPerOp, err)
	}
	broken := probe{Mallocs: func(context.Context) (uint64, error) { return 0, errors.New("connection refused") }}
	if _, err := measure(t.Context(), steps, 10*time.Millisecond, broken); err == nil {
		t.Error("a failing allocation probe went unnoticed")
	}
}

func TestPromCounter(t *testing.T) {
	body := []byte("# HELP go_memstats_mallocs_total Total number of heap objects allocated.\n" +
		"# TYPE go_memstats_mallocs_total counter\n" +
		"go_memstats_mallocs_total_extra 1\n" +
		"go_memstats_mallocs_total 1.234567e+06\n")
	if n, ok := promCounter(body, "go_memstats_mallocs_total"); !ok || n != 1234567 {
		t.Errorf("promCounter = (%d, %v), want (1234567, true)", n, ok)
	}
	if _, ok := promCounter([]byte("other 1\n"), "go_memstats_mallocs_total"); ok {
		t.Error("found a counter that is not there")
	}
}

// A worker whose every step fails retires instead of spinning until the
// end of the run, and the run says why.
func TestLoopRetiresFailingWorkers(t *testing.T) {
	boom := errors.New("boom")
	r := loop(t.Context(), []step{func(context.Context) error { return boom }}, time.Hour)
	if r.OK != 0 || r.Errors != maxConsecutiveErrors || r.FirstErr != "boom" {
		t.Errorf("ok %d errors %d first %q, want 0, %d, boom", r.OK, r.Errors, r.FirstErr, maxConsecutiveErrors)
	}
}

// The repeats alternate the order of the members (ABBA), so that drift in
// the machine's load favours none of them; every member warms up first.
func TestRunGroupInterleaves(t *testing.T) {
	h := &harness{opts: options{duration: time.Millisecond, warmup: time.Millisecond, repeats: 3}, log: io.Discard}
	var order []string
	mk := func(name string, floor bool, prepErr error) *member {
		return &member{
			Name: name, Floor: floor, Workers: 1,
			Prepare: func(context.Context) ([]step, probe, func(), error) {
				return same(func(context.Context) error { return nil }, 1), probe{}, noStop, prepErr
			},
			BeforeRun: func(context.Context, sample) error {
				order = append(order, name)
				return nil
			},
		}
	}
	g := group{Name: "g", Members: []*member{mk("A", true, nil), mk("B", false, nil), mk("C", false, errors.New("no server"))}}
	results, err := h.runGroup(t.Context(), g)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"A", "B", "A", "B", "B", "A", "A", "B"}; !slices.Equal(order, want) {
		t.Errorf("run order %v, want %v", order, want)
	}
	if len(results[0].runs) != 3 || len(results[1].runs) != 3 || len(results[2].runs) != 0 || results[2].err == nil {
		t.Errorf("runs per member %d %d %d (C err %v), want 3 3 0 with C's error", len(results[0].runs), len(results[1].runs), len(results[2].runs), results[2].err)
	}
	if len(h.notes) != 1 || !strings.Contains(h.notes[0], "no server") {
		t.Errorf("notes %q, want C's failure noted", h.notes)
	}

	g.Members[0] = mk("A", true, errors.New("floor down"))
	if _, err := h.runGroup(t.Context(), g); err == nil {
		t.Error("a group without its floor ran")
	}
}
