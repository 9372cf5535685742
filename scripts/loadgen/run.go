package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one phase's measurement.
type result struct {
	name     string
	requests int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
	// firstErr is the first failure seen, so a broken phase says why.
	firstErr error
}

func (r result) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// runPhase prepares every worker, then lets them repeat their step in a
// closed loop until d has passed. Only the steps are timed.
func runPhase(ctx context.Context, c *http.Client, p phase, workers int, d time.Duration) (result, error) {
	steps := make([]func(context.Context) error, workers)
	for i := range steps {
		step, stop, err := p.start(ctx, c)
		if err != nil {
			return result{}, err
		}
		defer stop()
		steps[i] = step
	}
	type tally struct {
		lat      []time.Duration
		errors   int
		firstErr error
	}
	tallies := make([]tally, workers)
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var wg sync.WaitGroup
	begin := time.Now()
	for i := range steps {
		wg.Go(func() {
			t := &tallies[i]
			t.lat = make([]time.Duration, 0, 1<<14)
			for runCtx.Err() == nil {
				t0 := time.Now()
				err := steps[i](runCtx)
				if runCtx.Err() != nil && errors.Is(err, context.DeadlineExceeded) {
					return // cut off by the end of the phase, not a failure
				}
				t.lat = append(t.lat, time.Since(t0))
				if err != nil {
					t.errors++
					if t.firstErr == nil {
						t.firstErr = err
					}
				}
			}
		})
	}
	wg.Wait()
	r := result{name: p.name, elapsed: time.Since(begin)}
	var all []time.Duration
	for _, t := range tallies {
		all = append(all, t.lat...)
		r.errors += t.errors
		if r.firstErr == nil {
			r.firstErr = t.firstErr
		}
	}
	r.requests = len(all) - r.errors
	slices.Sort(all)
	r.p50, r.p99 = percentile(all, 0.50), percentile(all, 0.99)
	return r, nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// printTable writes one row per phase. x-floor is the floor's throughput
// divided by the phase's: how many floor requests one request costs.
func printTable(w io.Writer, rs []result, o options) {
	var floor float64
	for _, r := range rs {
		if r.name == "floor" {
			floor = r.perSecond()
		}
	}
	fmt.Fprintf(w, "concurrency %d, %s per phase, %s\n", o.concurrency, o.duration, o.base)
	fmt.Fprintf(w, "%-8s %9s %7s %10s %10s %10s %9s\n", "phase", "requests", "errors", "req/s", "p50", "p99", "x-floor")
	for _, r := range rs {
		ratio := "-"
		if rps := r.perSecond(); floor > 0 && rps > 0 {
			ratio = fmt.Sprintf("%.1f", floor/rps)
		}
		fmt.Fprintf(w, "%-8s %9d %7d %10.0f %10s %10s %9s\n", r.name, r.requests, r.errors, r.perSecond(),
			r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), ratio)
	}
	for _, r := range rs {
		if r.firstErr != nil {
			fmt.Fprintf(w, "first error in %s: %v\n", r.name, r.firstErr)
		}
	}
}
