package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFormatting(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"µs", fmtMicros(850), "850 µs"},
		{"fractional µs", fmtMicros(12.345), "12.3 µs"},
		{"ms", fmtMicros(1234), "1.23 ms"},
		{"s", fmtMicros(2.5e6), "2.50 s"},
		{"unknown duration", fmtMicros(num(math.NaN())), "–"},
		{"thousands", fmtRate(1234567.4), "1 234 567"},
		{"small rate", fmtRate(9.6), "10"},
		{"spread", fmtSpread(900, 1100), "900–1 100"},
		{"ratio below 1", fmtRatio(0.12345), "0.123×"},
		{"ratio above 10", fmtRatio(12.34), "12.3×"},
		{"unknown ratio", fmtRatio(num(math.NaN())), "–"},
		{"negative thousands", groupThousands(-1234), "-1 234"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

// sampleGroup is a floor at 1000 req/s and a member at half its rate and
// twice its CPU per request, over two repeats.
func sampleGroup(cheaper bool) groupResult {
	floor := &member{Name: "x/floor", Label: "bare", Floor: true, Unit: "req", Workers: 2}
	slow := &member{Name: "x/slow", Label: "slow one", Unit: "req", Workers: 2}
	fr := []sample{
		{OK: 1000, Elapsed: time.Second, P50: time.Millisecond, P99: 2 * time.Millisecond, CPUPerOp: 100 * time.Microsecond, AllocsPerOp: 40},
		{OK: 1000, Elapsed: time.Second, P50: time.Millisecond, P99: 2 * time.Millisecond, CPUPerOp: 100 * time.Microsecond, AllocsPerOp: 40},
	}
	sr := []sample{
		{OK: 500, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 4 * time.Millisecond, CPUPerOp: 200 * time.Microsecond, AllocsPerOp: -1},
		{OK: 500, Errors: 3, Elapsed: time.Second, P50: 2 * time.Millisecond, P99: 4 * time.Millisecond, CPUPerOp: 200 * time.Microsecond, AllocsPerOp: -1, FirstErr: "status 500"},
	}
	return newGroupResult(group{Name: "sample group", Note: "a note", Cheaper: cheaper, Members: []*member{floor, slow}},
		[]memberResult{{m: floor, runs: fr}, {m: slow, runs: sr}})
}

func TestWriteMarkdown(t *testing.T) {
	r := &report{Date: "2026-01-01T00:00:00Z", GoVersion: "go1.26", CPUModel: "cpu", NumCPU: 2,
		Groups: []groupResult{sampleGroup(false)}, Notes: []string{"redis skipped: unset"}}
	var b bytes.Buffer
	writeMarkdown(&b, r)
	out := b.String()
	for _, want := range []string{
		"## sample group",
		"a note.",
		"| `x/floor` | bare | 1 000 | 1 000–1 000 | 1.00 ms | 2.00 ms | 100 µs | 40 | 1 | 1 | 1 | 0 |",
		"| `x/slow` | slow one | 500 | 500–500 | 2.00 ms | 4.00 ms | 200 µs | – | 0.500× | 2.00× | 2.00× | 3 |",
		"x/slow, repeat 2: 3 errors, first: status 500",
		"- redis skipped: unset",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cheaper") {
		t.Errorf("a group that expects nothing got a verdict:\n%s", out)
	}
}

func TestVerdict(t *testing.T) {
	var b bytes.Buffer
	writeGroup(&b, sampleGroup(true))
	if !strings.Contains(b.String(), "`x/slow`: 0.500× the success's req/s, 2.00× its server CPU per request: NOT cheaper") {
		t.Errorf("a costlier rejection is not called out:\n%s", b.String())
	}
	cheap := memberReport{Name: "r", VsFloor: &ratios{PerSecond: 3, P99: 0.5, CPU: 0.2}}
	if v := verdict(cheap); !strings.HasSuffix(v, ": cheaper than a success") {
		t.Errorf("verdict = %q, want cheaper", v)
	}
	noCPU := memberReport{Name: "r", VsFloor: &ratios{PerSecond: 3, P99: 0.5, CPU: num(math.NaN())}}
	if v := verdict(noCPU); !strings.HasSuffix(v, ": cheaper than a success") {
		t.Errorf("verdict without CPU readings = %q, want judged on req/s", v)
	}
}

func TestWriteJSONFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json")
	r := &report{Date: "d", Groups: []groupResult{sampleGroup(false)}}
	if err := writeJSONFile(path, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Groups []struct {
			Members []struct {
				Name    string  `json:"name"`
				Median  summary `json:"median"`
				VsFloor *ratios `json:"vs_floor"`
				Runs    []any   `json:"runs"`
			} `json:"members"`
		} `json:"groups"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("written JSON does not parse: %v\n%s", err, b)
	}
	ms := back.Groups[0].Members
	if len(ms) != 2 || ms[0].VsFloor != nil || ms[1].VsFloor == nil || ms[1].VsFloor.PerSecond != 0.5 || len(ms[1].Runs) != 2 {
		t.Errorf("round trip lost data:\n%s", b)
	}
	if !strings.Contains(string(b), `"allocs_per_op": null`) {
		t.Errorf("unknown allocations should be null:\n%s", b)
	}
}
