package main

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// sample is one timed run of one member: a closed loop of its workers for a
// bounded time.
type sample struct {
	OK      int           `json:"ok"`
	Errors  int           `json:"errors"`
	Elapsed time.Duration `json:"-"`
	P50     time.Duration `json:"-"`
	P99     time.Duration `json:"-"`
	// CPUPerOp is the server process' user+system CPU time per successful
	// operation, read from /proc; negative when unknown.
	CPUPerOp time.Duration `json:"-"`
	// AllocsPerOp is the server's heap allocations per successful
	// operation; negative when the server does not report them.
	AllocsPerOp float64 `json:"-"`
	// FirstErr is the first failure seen, so that a broken member says why.
	FirstErr string `json:"first_error,omitempty"`
}

// PerSecond is the throughput of successful operations.
func (r sample) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// percentile is the nearest-rank q-quantile (0 ≤ q ≤ 1) of ascending
// durations; zero for no data.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// median of xs (the mean of the middle two for an even count); NaN for
// none. Values that are NaN are left out, so that a repeat without a
// reading does not count as zero.
func median(xs []float64) float64 {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// ratio is a/b, NaN when either side has no reading or b is zero.
func ratio(a, b float64) float64 {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return math.NaN()
	}
	return a / b
}

// pairedRatio is the median over repeats of a[i]/b[i]. Pairing each
// repeat with the floor's repeat beside it cancels the machine's drift
// between repeats, which a ratio of two medians would keep.
func pairedRatio(a, b []float64) float64 {
	n := min(len(a), len(b))
	rs := make([]float64, 0, n)
	for i := range n {
		rs = append(rs, ratio(a[i], b[i]))
	}
	return median(rs)
}

// summary is the median of a member's repeats and its spread.
type summary struct {
	PerSecond    num `json:"req_per_s"`
	PerSecondMin num `json:"req_per_s_min"`
	PerSecondMax num `json:"req_per_s_max"`
	P50us        num `json:"p50_us"`
	P99us        num `json:"p99_us"`
	CPUus        num `json:"cpu_us_per_op"` // NaN (null) when unknown
	Allocs       num `json:"allocs_per_op"` // NaN (null) when unknown
	OK           int `json:"ok"`
	Errors       int `json:"errors"`
}

// series is one field of every repeat, in run order.
type series struct {
	PerSecond, P50us, P99us, CPUus, Allocs []float64
}

func seriesOf(rs []sample) series {
	var s series
	for _, r := range rs {
		s.PerSecond = append(s.PerSecond, r.PerSecond())
		s.P50us = append(s.P50us, micros(r.P50))
		s.P99us = append(s.P99us, micros(r.P99))
		s.CPUus = append(s.CPUus, unknownIfNegative(micros(r.CPUPerOp)))
		s.Allocs = append(s.Allocs, unknownIfNegative(r.AllocsPerOp))
	}
	return s
}

func summarize(rs []sample) summary {
	s := seriesOf(rs)
	out := summary{
		PerSecond:    num(median(s.PerSecond)),
		PerSecondMin: num(math.NaN()),
		PerSecondMax: num(math.NaN()),
		P50us:        num(median(s.P50us)),
		P99us:        num(median(s.P99us)),
		CPUus:        num(median(s.CPUus)),
		Allocs:       num(median(s.Allocs)),
	}
	if len(s.PerSecond) > 0 {
		out.PerSecondMin, out.PerSecondMax = num(slices.Min(s.PerSecond)), num(slices.Max(s.PerSecond))
	}
	for _, r := range rs {
		out.OK += r.OK
		out.Errors += r.Errors
	}
	return out
}

// ratios compares a member with its floor, repeat by repeat: throughput,
// p99 latency and CPU per operation. For throughput below 1 means slower
// than the floor; for p99 and CPU above 1 means costlier.
type ratios struct {
	PerSecond num `json:"req_per_s"`
	P99       num `json:"p99"`
	CPU       num `json:"cpu_per_op"`
}

func compare(member, floor []sample) ratios {
	m, f := seriesOf(member), seriesOf(floor)
	return ratios{
		PerSecond: num(pairedRatio(m.PerSecond, f.PerSecond)),
		P99:       num(pairedRatio(m.P99us, f.P99us)),
		CPU:       num(pairedRatio(m.CPUus, f.CPUus)),
	}
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func unknownIfNegative(x float64) float64 {
	if x < 0 {
		return math.NaN()
	}
	return x
}

// num is a measured value that may be unknown (NaN). JSON has no NaN, so
// an unknown value is written as null; known ones keep three decimals.
type num float64

func (n num) known() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

func (n num) MarshalJSON() ([]byte, error) {
	if !n.known() {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, math.Round(float64(n)*1000)/1000, 'f', -1, 64), nil
}
