package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"time"
)

// harness owns everything a run starts: the temporary directory, the
// gatehouse binary, the servers, the floor process and the run's share of
// the shared stores. close stops and removes all of it.
type harness struct {
	opts  options
	id    string // names the run's Redis prefix and Postgres schema
	dir   string
	bin   string
	log   io.Writer
	notes []string
	procs []*proc

	redis     *redisRun
	postgres  *postgresRun
	servers   map[serverSpec]*ghServer
	floorURL  string
	floorProc *proc
}

func newHarness(opts options, log io.Writer) (*harness, error) {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return nil, fmt.Errorf("temp dir: %w", err)
	}
	return &harness{opts: opts, id: hex.EncodeToString(b), dir: dir, log: log, servers: map[serverSpec]*ghServer{}}, nil
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.log, "gatehouse-bench: "+format+"\n", args...)
}

// note is a remark that belongs in the results (a skipped store, an
// unusual condition), and is logged as it happens.
func (h *harness) note(format string, args ...any) {
	s := fmt.Sprintf(format, args...)
	h.notes = append(h.notes, s)
	h.logf("%s", s)
}

// close stops every process the harness started, by PID, then removes
// the run's keys, schema and files.
func (h *harness) close() {
	for i := len(h.procs) - 1; i >= 0; i-- {
		h.procs[i].stop()
	}
	if err := h.closeServices(); err != nil {
		h.logf("cleanup: %v", err)
	}
	_ = os.RemoveAll(h.dir)
}

// member is one line of a group: the floor or a scenario measured against
// it.
type member struct {
	Name  string // selectable name, e.g. "mcp/2026-07-28/es256"
	Label string // what it is, for the table
	Floor bool
	Unit  string // what one operation is: "req" or "flow"
	// Workers is the member's fixed concurrency.
	Workers int
	// Prepare sets the member up once, untimed (servers, sessions, token
	// chains) and returns its workers' steps, the probe of its server and
	// a stop that undoes the setup.
	Prepare func(ctx context.Context) (steps []step, p probe, stop func(), err error)
	// BeforeRun, when set, runs untimed before every warm-up and timed
	// run (the code flow refills its pool of clients there).
	BeforeRun func(ctx context.Context, last sample) error
}

// group is a floor and the scenarios measured against it, run
// interleaved so that the machine's noise reaches all of them alike.
type group struct {
	Name    string
	Note    string
	Members []*member // Members[0] is the floor
	// Cheaper asks every scenario to cost the server less than the floor.
	Cheaper bool
	// Finish adds remarks once the group has run (e.g. how many clients the
	// code flow registered inline).
	Finish func() string
}

// memberResult is what a member measured.
type memberResult struct {
	m    *member
	runs []sample
	err  error
}

// runGroup prepares every member, warms each up, then runs the repeats.
// The order alternates (floor first, then floor last: ABBA), so that a
// drift in the machine's load favours no member.
func (h *harness) runGroup(ctx context.Context, g group) ([]memberResult, error) {
	results := make([]memberResult, len(g.Members))
	steps := make([][]step, len(g.Members))
	probes := make([]probe, len(g.Members))
	for i, m := range g.Members {
		results[i].m = m
		s, p, stop, err := m.Prepare(ctx)
		if err != nil {
			if i == 0 {
				return nil, fmt.Errorf("%s: prepare floor %s: %w", g.Name, m.Name, err)
			}
			results[i].err = err
			h.note("%s: %s not measured: %v", g.Name, m.Name, err)
			continue
		}
		defer stop()
		steps[i], probes[i] = s, p
	}
	last := make([]sample, len(g.Members))
	before := func(i int) error {
		if b := g.Members[i].BeforeRun; b != nil {
			return b(ctx, last[i])
		}
		return nil
	}
	for i := range g.Members {
		if steps[i] == nil {
			continue
		}
		if err := before(i); err != nil {
			return nil, err
		}
		last[i] = loop(ctx, steps[i], h.opts.warmup)
	}
	for r := range h.opts.repeats {
		for k := range g.Members {
			i := k
			if r%2 == 1 {
				i = len(g.Members) - 1 - k
			}
			if steps[i] == nil {
				continue
			}
			if err := before(i); err != nil {
				return nil, err
			}
			res, err := measure(ctx, steps[i], h.opts.duration, probes[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", g.Name, g.Members[i].Name, err)
			}
			last[i] = res
			results[i].runs = append(results[i].runs, res)
		}
	}
	return results, nil
}

// runAll runs the selected groups in order and collects the report.
func (h *harness) runAll(ctx context.Context) (*report, error) {
	start := time.Now()
	rep := newReport(h.opts)
	var defs []groupDef
	members := 0
	for _, def := range groupDefs() {
		if def.selected(h.opts.scenarios, h.opts.stores) && h.storeReady(def.store) == nil {
			defs = append(defs, def)
			members += 1 + def.count(h.opts.scenarios)
		}
	}
	perMember := h.opts.warmup + time.Duration(h.opts.repeats)*h.opts.duration
	h.logf("%d groups, %d members: about %s of load, plus set-up", len(defs), members, (time.Duration(members) * perMember).Round(time.Second))
	for _, def := range defs {
		g, err := def.build(ctx, h)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			h.note("%s not measured: %v", def.name, err)
			continue
		}
		h.logf("running %s (%d members)", g.Name, len(g.Members))
		results, err := h.runGroup(ctx, g)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			h.note("%s not measured: %v", g.Name, err)
			continue
		}
		gr := newGroupResult(g, results)
		if g.Finish != nil {
			if s := g.Finish(); s != "" {
				gr.Note = joinNote(gr.Note, s)
			}
		}
		rep.Groups = append(rep.Groups, gr)
	}
	rep.finish(h, time.Since(start))
	return rep, nil
}
