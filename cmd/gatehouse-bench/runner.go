package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// step is one operation of one worker (a request, or a whole flow); nil
// means it succeeded.
type step func(ctx context.Context) error

// probe reads the counters of the process that serves a member, before and
// after each timed run. Either field may be nil when the server does not
// offer it.
type probe struct {
	// PID is the server process, for CPU time from /proc.
	PID func() int
	// Mallocs is the server's cumulative count of heap allocations;
	// errNotReported when the server does not publish it.
	Mallocs func(ctx context.Context) (uint64, error)
}

// errNotReported: the server does not tell its allocations.
var errNotReported = errors.New("not reported by the server")

// maxConsecutiveErrors retires a worker whose every step fails, so that a
// broken member reports its error instead of spinning on it.
const maxConsecutiveErrors = 50

// loop runs every worker's step in a closed loop until d has passed. A step
// that is running at the deadline is allowed to finish and counts: cutting
// requests off would break keep-alive connections and refresh-token chains,
// and elapsed then covers the last step too.
func loop(ctx context.Context, steps []step, d time.Duration) sample {
	type tally struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	tallies := make([]tally, len(steps))
	var stop atomic.Bool
	var wg sync.WaitGroup
	begin := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	for i := range steps {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 1<<12)
			failing := 0
			for !stop.Load() && ctx.Err() == nil && failing < maxConsecutiveErrors {
				t0 := time.Now()
				if err := steps[i](ctx); err != nil {
					t.errors++
					failing++
					if t.firstErr == nil {
						t.firstErr = err
					}
					continue
				}
				failing = 0
				t.lat = append(t.lat, time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := sample{Elapsed: time.Since(begin), CPUPerOp: -1, AllocsPerOp: -1}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.Errors += t.errors
		if r.FirstErr == "" && t.firstErr != nil {
			r.FirstErr = t.firstErr.Error()
		}
	}
	r.OK = len(all)
	slices.Sort(all)
	r.P50, r.P99 = percentile(all, 0.50), percentile(all, 0.99)
	return r
}

// measure is loop with the server's CPU time and allocations read around
// it and divided by the successful operations.
func measure(ctx context.Context, steps []step, d time.Duration, p probe) (sample, error) {
	pid := 0
	if p.PID != nil {
		pid = p.PID()
	}
	var cpu0 time.Duration
	cpuKnown := pid > 0
	if cpuKnown {
		var err error
		if cpu0, err = processCPU(pid); err != nil {
			cpuKnown = false
		}
	}
	var mallocs0 uint64
	allocsKnown := p.Mallocs != nil
	if allocsKnown {
		var err error
		mallocs0, err = p.Mallocs(ctx)
		switch {
		case errors.Is(err, errNotReported):
			allocsKnown = false
		case err != nil:
			return sample{}, fmt.Errorf("read allocations: %w", err)
		}
	}

	r := loop(ctx, steps, d)
	if err := ctx.Err(); err != nil {
		return r, err
	}

	if cpuKnown && r.OK > 0 {
		if cpu1, err := processCPU(pid); err == nil {
			r.CPUPerOp = (cpu1 - cpu0) / time.Duration(r.OK)
		}
	}
	if allocsKnown && r.OK > 0 {
		mallocs1, err := p.Mallocs(ctx)
		if err != nil {
			return r, fmt.Errorf("read allocations: %w", err)
		}
		r.AllocsPerOp = float64(mallocs1-mallocs0) / float64(r.OK)
	}
	return r, nil
}
