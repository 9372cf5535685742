package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is the run's outcome, written as JSON and rendered as Markdown.
type report struct {
	Date       string `json:"date"`
	GoVersion  string `json:"go_version"`
	Platform   string `json:"platform"`
	CPUModel   string `json:"cpu_model"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	// ServerGOMAXPROCS is the servers' GOMAXPROCS: they inherit this
	// process' environment and cgroup, so its own default is theirs.
	ServerGOMAXPROCS int           `json:"server_gomaxprocs"`
	ServerGOGC       string        `json:"server_gogc"`
	LoadAvgStart     string        `json:"load_average_start"`
	LoadAvgEnd       string        `json:"load_average_end"`
	ElapsedS         float64       `json:"elapsed_s"`
	Settings         settings      `json:"settings"`
	Groups           []groupResult `json:"groups"`
	Notes            []string      `json:"notes,omitempty"`
}

type settings struct {
	Duration         string   `json:"duration"`
	Warmup           string   `json:"warmup"`
	Repeats          int      `json:"repeats"`
	Concurrency      int      `json:"concurrency"`
	StdioConcurrency int      `json:"stdio_concurrency"`
	FlowConcurrency  int      `json:"flow_concurrency"`
	Scenarios        string   `json:"scenarios"`
	Stores           []string `json:"stores"`
}

type groupResult struct {
	Name    string         `json:"name"`
	Note    string         `json:"note,omitempty"`
	Members []memberReport `json:"members"`
	// Cheaper asks every scenario to cost less than the floor (the
	// rejections group).
	Cheaper bool `json:"expect_cheaper_than_floor,omitempty"`
}

type memberReport struct {
	Name    string      `json:"name"`
	Label   string      `json:"label"`
	Floor   bool        `json:"floor"`
	Unit    string      `json:"unit"`
	Workers int         `json:"workers"`
	Median  summary     `json:"median"`
	VsFloor *ratios     `json:"vs_floor,omitempty"`
	Runs    []runReport `json:"runs"`
	Error   string      `json:"error,omitempty"`
}

type runReport struct {
	PerSecond num    `json:"req_per_s"`
	P50us     num    `json:"p50_us"`
	P99us     num    `json:"p99_us"`
	CPUus     num    `json:"cpu_us_per_op"`
	Allocs    num    `json:"allocs_per_op"`
	OK        int    `json:"ok"`
	Errors    int    `json:"errors"`
	FirstErr  string `json:"first_error,omitempty"`
}

func newReport(o options) *report {
	return &report{
		Date:             time.Now().UTC().Format(time.RFC3339),
		GoVersion:        runtime.Version(),
		Platform:         runtime.GOOS + "/" + runtime.GOARCH,
		CPUModel:         cpuModel(),
		NumCPU:           runtime.NumCPU(),
		GOMAXPROCS:       runtime.GOMAXPROCS(0),
		ServerGOMAXPROCS: runtime.GOMAXPROCS(0),
		ServerGOGC:       serverGOGCLabel(o.serverGOGC),
		LoadAvgStart:     loadAverage(),
		Settings: settings{
			Duration: o.duration.String(), Warmup: o.warmup.String(), Repeats: o.repeats,
			Concurrency: o.concurrency, StdioConcurrency: o.stdioConcurrency, FlowConcurrency: o.flowConcurrency,
			Scenarios: strings.Join(o.scenarios, ","), Stores: o.stores,
		},
	}
}

func serverGOGCLabel(v string) string {
	if v == "" {
		return "unset (gatehouse sets 400 itself; floors run at Go's 100)"
	}
	return v
}

func (r *report) finish(h *harness, elapsed time.Duration) {
	r.LoadAvgEnd = loadAverage()
	r.ElapsedS = math.Round(elapsed.Seconds()*10) / 10
	r.Notes = append(r.Notes, h.notes...)
}

func newGroupResult(g group, rs []memberResult) groupResult {
	out := groupResult{Name: g.Name, Note: g.Note, Cheaper: g.Cheaper}
	var floor []sample
	if len(rs) > 0 {
		floor = rs[0].runs
	}
	for _, r := range rs {
		mr := memberReport{
			Name: r.m.Name, Label: r.m.Label, Floor: r.m.Floor, Unit: r.m.Unit, Workers: r.m.Workers,
			Median: summarize(r.runs),
		}
		if r.err != nil {
			mr.Error = r.err.Error()
		}
		if !r.m.Floor && len(r.runs) > 0 && len(floor) > 0 {
			c := compare(r.runs, floor)
			mr.VsFloor = &c
		}
		for _, x := range r.runs {
			mr.Runs = append(mr.Runs, runReport{
				PerSecond: num(x.PerSecond()), P50us: num(micros(x.P50)), P99us: num(micros(x.P99)),
				CPUus: num(unknownIfNegative(micros(x.CPUPerOp))), Allocs: num(unknownIfNegative(x.AllocsPerOp)),
				OK: x.OK, Errors: x.Errors, FirstErr: x.FirstErr,
			})
		}
		out.Members = append(out.Members, mr)
	}
	return out
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func writeJSONFile(path string, r *report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// writeMarkdown renders the report: one table per group, the floor first,
// medians of the repeats with the spread of req/s, and each scenario's
// ratios to its floor (paired repeat by repeat).
func writeMarkdown(w io.Writer, r *report) {
	fmt.Fprintf(w, "# Gatehouse load benchmark\n\n")
	fmt.Fprintf(w, "%s · %s %s · %s, %d CPUs shared by the servers and the load generator · servers' GOMAXPROCS %d, GOGC %s\n\n",
		r.Date, r.GoVersion, r.Platform, r.CPUModel, r.NumCPU, r.ServerGOMAXPROCS, r.ServerGOGC)
	s := r.Settings
	fmt.Fprintf(w, "Each member ran %s × %d (after a %s warm-up), interleaved with its floor (ABBA order); "+
		"closed loop of %d workers over HTTP, %d over stdio, %d for the code flow. Load average %s at the start, %s at the end: "+
		"the machine is shared, so read medians and ratios, not lone figures. Run took %.0f s.\n\n",
		s.Duration, s.Repeats, s.Warmup, s.Concurrency, s.StdioConcurrency, s.FlowConcurrency,
		r.LoadAvgStart, r.LoadAvgEnd, r.ElapsedS)
	fmt.Fprintf(w, "Columns: median over repeats; spread is the slowest and fastest repeat; CPU/op is the server "+
		"process' user+system time per operation (/proc); allocs/op where the server tells (the floors do; Gatehouse only if it serves go_memstats_mallocs_total at /metrics); "+
		"×floor is scenario ÷ floor per repeat, median (req/s below 1 = slower; p99 and CPU above 1 = costlier).\n")
	for _, g := range r.Groups {
		writeGroup(w, g)
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "\nNotes:\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

func writeGroup(w io.Writer, g groupResult) {
	fmt.Fprintf(w, "\n## %s\n\n", g.Name)
	if g.Note != "" {
		fmt.Fprintf(w, "%s.\n\n", g.Note)
	}
	fmt.Fprintln(w, "| scenario | what | ops/s | spread | p50 | p99 | CPU/op | allocs/op | ×floor ops/s | ×floor p99 | ×floor CPU | errors |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, m := range g.Members {
		md := m.Median
		ratioCells := [3]string{"1", "1", "1"}
		if !m.Floor {
			ratioCells = [3]string{"–", "–", "–"}
			if m.VsFloor != nil {
				ratioCells = [3]string{fmtRatio(m.VsFloor.PerSecond), fmtRatio(m.VsFloor.P99), fmtRatio(m.VsFloor.CPU)}
			}
		}
		unit := ""
		if m.Unit != "" && m.Unit != "req" {
			unit = " (" + m.Unit + "s)"
		}
		fmt.Fprintf(w, "| `%s` | %s%s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |\n",
			m.Name, m.Label, unit, fmtRate(md.PerSecond), fmtSpread(md.PerSecondMin, md.PerSecondMax),
			fmtMicros(md.P50us), fmtMicros(md.P99us), fmtMicros(md.CPUus), fmtCount(md.Allocs),
			ratioCells[0], ratioCells[1], ratioCells[2], md.Errors)
	}
	for _, m := range g.Members {
		if m.Error != "" {
			fmt.Fprintf(w, "\n%s not measured: %s\n", m.Name, oneLine(m.Error))
		}
		for i, rr := range m.Runs {
			if rr.FirstErr != "" {
				fmt.Fprintf(w, "\n%s, repeat %d: %d errors, first: %s\n", m.Name, i+1, rr.Errors, oneLine(rr.FirstErr))
				break
			}
		}
	}
	if g.Cheaper {
		fmt.Fprintln(w)
		for _, m := range g.Members {
			if !m.Floor && m.VsFloor != nil {
				fmt.Fprintf(w, "- %s\n", verdict(m))
			}
		}
	}
}

// verdict says whether a rejection cost the server less than a success:
// less CPU per request where /proc told us, more requests per second.
func verdict(m memberReport) string {
	v := m.VsFloor
	cheaper := v.PerSecond.known() && v.PerSecond > 1
	if v.CPU.known() {
		cheaper = cheaper && v.CPU < 1
	}
	word := "cheaper than a success"
	if !cheaper {
		word = "NOT cheaper than a success"
	}
	return fmt.Sprintf("`%s`: %s the success's req/s, %s its server CPU per request: %s", m.Name,
		fmtRatio(v.PerSecond), fmtRatio(v.CPU), word)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
