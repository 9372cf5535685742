// Command gatehouse-bench measures Gatehouse under load on this machine and
// compares every figure with a floor measured in the same run: the least
// any server must do for the same request (the bare go-sdk for MCP, a bare
// handler making the store round trips for the token endpoint, the four
// exchanges and one password hash for the code flow).
//
// It builds ./cmd/gatehouse, starts what it measures on loopback (gatehouse
// serve in development mode, gatehouse stdio, and itself in a hidden mode as
// the floors), runs each member for a bounded time with a fixed
// concurrency, repeats interleaved with the floor, and prints a Markdown
// table of medians and ratios; the same data goes to a JSON file. Redis and
// Postgres come from GATEHOUSE_TEST_REDIS_URL and
// GATEHOUSE_TEST_POSTGRES_DSN, each run under its own key prefix or
// schema, removed at the end. See `make bench`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "gatehouse-bench:", err)
		}
		os.Exit(1)
	}
}

// Bounds that keep a mistyped flag from turning a measurement into an
// hours-long load on a shared machine.
const (
	maxDuration    = 30 * time.Second
	maxRepeats     = 15
	maxConcurrency = 256
)

type options struct {
	duration         time.Duration
	warmup           time.Duration
	repeats          int
	concurrency      int
	stdioConcurrency int
	flowConcurrency  int
	scenarios        selector
	stores           []string
	out              string
	serverGOGC       string
	list             bool
}

func parseOptions(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("gatehouse-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.DurationVar(&o.duration, "duration", 1500*time.Millisecond, "timed length of each run of each member (at most 30s)")
	fs.DurationVar(&o.warmup, "warmup", 300*time.Millisecond, "untimed warm-up of each member before its first run")
	fs.IntVar(&o.repeats, "repeats", 3, "timed runs per member; the table shows their median")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent workers for HTTP members")
	fs.IntVar(&o.stdioConcurrency, "stdio-concurrency", 4, "concurrent calls in the one stdio session")
	fs.IntVar(&o.flowConcurrency, "flow-concurrency", 4, "concurrent browsers in the code flow (each login hashes a password with 19 MiB)")
	scenarios := fs.String("scenarios", "", "comma-separated names or patterns ('*' matches anything, '/' too) of scenarios to run; floors come along (default: all; see -list)")
	stores := fs.String("stores", "memory,redis,postgres", "stores for the token endpoint: memory, redis, postgres")
	fs.StringVar(&o.out, "out", "bench-results.json", "file for the JSON results (\"\" for none)")
	fs.StringVar(&o.serverGOGC, "server-gogc", "400", "GOGC of every server process, Gatehouse and floors alike (\"\" leaves it unset)")
	fs.BoolVar(&o.list, "list", false, "list the scenario names and exit")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: gatehouse-bench [flags]\n\nRun from the gatehouse module; see `make bench`.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if o.stores, err = parseStores(*stores); err != nil {
		return o, err
	}
	o.scenarios = newSelector(*scenarios)
	return o, o.validate()
}

func (o options) validate() error {
	var errs []error
	if o.duration <= 0 || o.duration > maxDuration {
		errs = append(errs, fmt.Errorf("-duration %s: want more than 0 and at most %s", o.duration, maxDuration))
	}
	if o.warmup < 0 || o.warmup > maxDuration {
		errs = append(errs, fmt.Errorf("-warmup %s: want 0 to %s", o.warmup, maxDuration))
	}
	if o.repeats < 1 || o.repeats > maxRepeats {
		errs = append(errs, fmt.Errorf("-repeats %d: want 1 to %d", o.repeats, maxRepeats))
	}
	for name, c := range map[string]int{"-concurrency": o.concurrency, "-stdio-concurrency": o.stdioConcurrency, "-flow-concurrency": o.flowConcurrency} {
		if c < 1 || c > maxConcurrency {
			errs = append(errs, fmt.Errorf("%s %d: want 1 to %d", name, c, maxConcurrency))
		}
	}
	if o.serverGOGC != "" && o.serverGOGC != "off" && strings.Trim(o.serverGOGC, "0123456789") != "" {
		errs = append(errs, fmt.Errorf("-server-gogc %q: want a percentage, off, or empty", o.serverGOGC))
	}
	any := false
	for _, n := range scenarioNames() {
		any = any || o.scenarios.match(n)
	}
	if !any {
		errs = append(errs, fmt.Errorf("-scenarios %q selects nothing (see -list)", strings.Join(o.scenarios, ",")))
	}
	return errors.Join(errs...)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	// Hidden modes: the harness starting itself as a floor.
	if len(args) > 0 {
		switch args[0] {
		case "bare-http":
			return runBareHTTP(ctx, args[1:], stderr)
		case "bare-stdio":
			return runBareStdio(ctx)
		}
	}
	o, err := parseOptions(args, stderr)
	if err != nil {
		return err
	}
	if o.list {
		for _, n := range scenarioNames() {
			fmt.Fprintln(stdout, n)
		}
		return nil
	}
	h, err := newHarness(o, stderr)
	if err != nil {
		return err
	}
	defer h.close()
	h.logf("building ./cmd/gatehouse")
	if h.bin, err = buildGatehouse(ctx, h.dir); err != nil {
		return err
	}
	h.openServices(ctx)
	rep, err := h.runAll(ctx)
	if err != nil {
		return err
	}
	writeMarkdown(stdout, rep)
	if o.out != "" {
		if err := writeJSONFile(o.out, rep); err != nil {
			return err
		}
		h.logf("wrote %s", o.out)
	}
	return nil
}

// storeNames lists the stores in the order the harness runs them.
var storeNames = []string{"memory", "redis", "postgres"}

func validStore(name string) bool {
	for _, s := range storeNames {
		if s == name {
			return true
		}
	}
	return false
}

// parseStores reads -stores: a comma-separated subset of storeNames.
func parseStores(list string) ([]string, error) {
	var out []string
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !validStore(s) {
			return nil, fmt.Errorf("-stores: %q is not a store (want %s)", s, strings.Join(storeNames, ", "))
		}
		out = append(out, s)
	}
	return out, nil
}
