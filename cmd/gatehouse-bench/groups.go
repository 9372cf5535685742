package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// groupDef is a group before anything is started: enough to select it.
type groupDef struct {
	name      string
	scenarios []string // selectable names of its scenarios (the floor comes along)
	store     string   // the store it needs, "" for none
	build     func(ctx context.Context, h *harness) (group, error)
}

func (d groupDef) selected(sel selector, stores []string) bool {
	if d.store != "" && !contains(stores, d.store) {
		return false
	}
	for _, s := range d.scenarios {
		if sel.match(s) {
			return true
		}
	}
	return false
}

// count is how many of the group's scenarios sel selects.
func (d groupDef) count(sel selector) int {
	n := 0
	for _, s := range d.scenarios {
		if sel.match(s) {
			n++
		}
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// groupDefs is every group, in the order a run measures them.
func groupDefs() []groupDef {
	defs := []groupDef{
		mcpHTTPGroup(modernProtocol),
		mcpHTTPGroup(legacyProtocol),
		rejectGroup(),
		stdioGroup(modernProtocol),
		stdioGroup(legacyProtocol),
	}
	for _, s := range storeNames {
		defs = append(defs, clientCredentialsGroup(s))
	}
	for _, s := range storeNames {
		defs = append(defs, refreshGroup(s))
	}
	return append(defs, codeFlowGroup())
}

// scenarioNames lists every selectable name, for -list.
func scenarioNames() []string {
	var out []string
	for _, d := range groupDefs() {
		out = append(out, d.scenarios...)
	}
	return out
}

// keep returns the members whose names the run selected, floor first.
func keep(sel selector, floor *member, ms ...*member) []*member {
	out := []*member{floor}
	for _, m := range ms {
		if sel.match(m.Name) {
			out = append(out, m)
		}
	}
	return out
}

// same repeats one stateless step for every worker.
func same(s step, n int) []step {
	out := make([]step, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func noStop() {}

// floorProbe reads the floor process' CPU time and allocation counter.
func floorProbe(url string, pid func() int) probe {
	c := &http.Client{}
	return probe{
		PID: pid,
		Mallocs: func(ctx context.Context) (uint64, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/_bench/memstats", nil)
			if err != nil {
				return 0, err
			}
			var m memstatsOut
			_, err = exchange(c, req, func(resp *http.Response, body []byte) error {
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("memstats: status %d", resp.StatusCode)
				}
				return json.Unmarshal(body, &m)
			})
			return m.Mallocs, err
		},
	}
}

// serverProbe reads a Gatehouse server's CPU time, and its allocation
// counter where the server publishes the Go collector's
// go_memstats_mallocs_total at /metrics.
func serverProbe(s *ghServer) probe {
	c := &http.Client{}
	return probe{
		PID: s.PID,
		Mallocs: func(ctx context.Context) (uint64, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/metrics", nil)
			if err != nil {
				return 0, err
			}
			var n uint64
			_, err = exchange(c, req, func(resp *http.Response, body []byte) error {
				if resp.StatusCode != http.StatusOK {
					return errNotReported
				}
				var ok bool
				n, ok = promCounter(body, "go_memstats_mallocs_total")
				if !ok {
					return errNotReported
				}
				return nil
			})
			return n, err
		},
	}
}

// promCounter finds an unlabelled sample in the Prometheus text format.
func promCounter(body []byte, name string) (uint64, bool) {
	for _, line := range strings.Split(string(body), "\n") {
		v, ok := strings.CutPrefix(line, name+" ")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || f < 0 {
			return 0, false
		}
		return uint64(f), true
	}
	return 0, false
}

// bareFloor is the member that measures the floor process' route with
// steps from build.
func (h *harness) bareFloor(name, label string, workers int, build func(ctx context.Context, url string, c *http.Client) ([]step, func(), error)) *member {
	return &member{
		Name: name, Label: label, Floor: true, Unit: "req", Workers: workers,
		Prepare: func(ctx context.Context) ([]step, probe, func(), error) {
			url, p, err := h.floor(ctx)
			if err != nil {
				return nil, probe{}, nil, err
			}
			steps, stop, err := build(ctx, url, newHTTPClient(workers))
			return steps, floorProbe(url, p.PID), stop, err
		},
	}
}

// onServer is a scenario member on the Gatehouse server of spec.
func (h *harness) onServer(name, label, unit string, spec serverSpec, workers int,
	build func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error)) *member {
	return &member{
		Name: name, Label: label, Unit: unit, Workers: workers,
		Prepare: func(ctx context.Context) ([]step, probe, func(), error) {
			s, err := h.server(ctx, spec)
			if err != nil {
				return nil, probe{}, nil, err
			}
			steps, stop, err := build(ctx, s, newHTTPClient(workers))
			return steps, serverProbe(s), stop, err
		},
	}
}

// legacySessions opens one 2025-11-25 session per worker.
func legacySessions(ctx context.Context, t mcpTarget, c *http.Client, n int) ([]step, func(), error) {
	var steps []step
	var stops []func()
	stopAll := func() {
		for _, s := range stops {
			s()
		}
	}
	for range n {
		s, stop, err := t.legacySession(ctx, c)
		if err != nil {
			stopAll()
			return nil, nil, err
		}
		steps, stops = append(steps, s), append(stops, stop)
	}
	return steps, stopAll, nil
}
