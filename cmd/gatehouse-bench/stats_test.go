package main

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i))
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		q      float64
		want   time.Duration
	}{
		{"p50 of 1..100", hundred, 0.50, 50},
		{"p99 of 1..100", hundred, 0.99, 99},
		{"p100 is the maximum", hundred, 1, 100},
		{"p0 is the minimum", hundred, 0, 1},
		{"p99 of few values is the largest", []time.Duration{1, 2, 3}, 0.99, 3},
		{"p50 of two is the lower (nearest rank)", []time.Duration{10, 20}, 0.5, 10},
		{"no data", nil, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.q); got != tt.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tt.sorted, tt.q, got, tt.want)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		xs   []float64
		want float64
	}{
		{"odd count, unsorted", []float64{3, 1, 2}, 2},
		{"even count averages the middle two", []float64{4, 1, 3, 2}, 2.5},
		{"one value", []float64{7}, 7},
		{"unknown values are left out", []float64{nan, 5, nan, 1, 3}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := median(tt.xs); got != tt.want {
				t.Errorf("median(%v) = %v, want %v", tt.xs, got, tt.want)
			}
		})
	}
	for name, xs := range map[string][]float64{"none": nil, "only unknown": {nan, nan}} {
		if got := median(xs); !math.IsNaN(got) {
			t.Errorf("median of %s = %v, want NaN", name, got)
		}
	}
}

func TestMedianDoesNotReorderItsInput(t *testing.T) {
	xs := []float64{3, 1, 2}
	median(xs)
	if xs[0] != 3 || xs[1] != 1 || xs[2] != 2 {
		t.Errorf("median reordered its input: %v", xs)
	}
}

func TestRatio(t *testing.T) {
	if got := ratio(3, 2); got != 1.5 {
		t.Errorf("ratio(3, 2) = %v, want 1.5", got)
	}
	for name, r := range map[string]float64{
		"zero denominator": ratio(1, 0),
		"unknown a":        ratio(math.NaN(), 1),
		"unknown b":        ratio(1, math.NaN()),
	} {
		if !math.IsNaN(r) {
			t.Errorf("%s: ratio = %v, want NaN", name, r)
		}
	}
}

// Pairing repeat i with the floor's repeat i keeps a drift of the machine
// between repeats out of the ratio: a member at half its floor in two of
// three repeats is 0.5, while the ratio of the medians, mixing a fast
// repeat with a slow one, would say 0.97.
func TestPairedRatioPairsRepeats(t *testing.T) {
	floor := []float64{1000, 300, 310}
	member := []float64{500, 150, 300}
	if got := pairedRatio(member, floor); got != 0.5 {
		t.Errorf("pairedRatio = %v, want 0.5", got)
	}
	if got := ratio(median(member), median(floor)); got == 0.5 {
		t.Fatalf("test data does not tell paired from unpaired ratios")
	}
}

func TestSummarize(t *testing.T) {
	rs := []sample{
		{OK: 100, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 9 * time.Millisecond, CPUPerOp: 300 * time.Microsecond, AllocsPerOp: -1},
		{OK: 300, Errors: 2, Elapsed: time.Second, P50: 1 * time.Millisecond, P99: 5 * time.Millisecond, CPUPerOp: -1, AllocsPerOp: -1},
		{OK: 200, Elapsed: time.Second, P50: 3 * time.Millisecond, P99: 7 * time.Millisecond, CPUPerOp: 100 * time.Microsecond, AllocsPerOp: -1},
	}
	s := summarize(rs)
	if s.PerSecond != 200 || s.PerSecondMin != 100 || s.PerSecondMax != 300 {
		t.Errorf("req/s median %v spread %v–%v, want 200 in 100–300", s.PerSecond, s.PerSecondMin, s.PerSecondMax)
	}
	if s.P50us != 2000 || s.P99us != 7000 {
		t.Errorf("p50 %v µs p99 %v µs, want 2000 and 7000", s.P50us, s.P99us)
	}
	if s.CPUus != 200 {
		t.Errorf("CPU/op %v µs, want 200 (the repeat without a reading left out)", s.CPUus)
	}
	if s.Allocs.known() {
		t.Errorf("allocs/op %v, want unknown", s.Allocs)
	}
	if s.OK != 600 || s.Errors != 2 {
		t.Errorf("ok %d errors %d, want 600 and 2", s.OK, s.Errors)
	}
}

func TestCompare(t *testing.T) {
	floor := []sample{{OK: 1000, Elapsed: time.Second, P99: time.Millisecond, CPUPerOp: 100 * time.Microsecond}}
	member := []sample{{OK: 250, Elapsed: time.Second, P99: 3 * time.Millisecond, CPUPerOp: -1}}
	c := compare(member, floor)
	if c.PerSecond != 0.25 || c.P99 != 3 {
		t.Errorf("ratios %+v, want req/s 0.25 and p99 3", c)
	}
	if c.CPU.known() {
		t.Errorf("CPU ratio %v without a reading for the member, want unknown", c.CPU)
	}
}

func TestNumJSON(t *testing.T) {
	b, err := json.Marshal([]num{num(math.NaN()), num(math.Inf(1)), 1.23456, 1500})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `[null,null,1.235,1500]`; got != want {
		t.Errorf("JSON %s, want %s", got, want)
	}
}
