package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// conformanceDirEnv names the directory e2e/conformance/install.sh filled:
// it holds node_modules/.bin/conformance and a Node 22 node beside it.
const conformanceDirEnv = "GATEHOUSE_CONFORMANCE_DIR"

// conformanceSuite runs the official MCP conformance CLI.
type conformanceSuite struct {
	bin string // node_modules/.bin of the installation
}

// findConformanceSuite locates the installed suite. Without one the test
// skips locally; under CI=true a missing suite is a failure, so the suite
// cannot silently stop running there.
func findConformanceSuite(t *testing.T) conformanceSuite {
	t.Helper()
	dir := os.Getenv(conformanceDirEnv)
	if dir == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; run e2e/conformance/install.sh DIR and export %s=DIR", conformanceDirEnv, conformanceDirEnv)
		}
		t.Skipf("%s is not set (install with e2e/conformance/install.sh DIR)", conformanceDirEnv)
	}
	bin := filepath.Join(dir, "node_modules", ".bin")
	for _, name := range []string{"conformance", "node"} {
		if _, err := os.Stat(filepath.Join(bin, name)); err != nil {
			t.Fatalf("%s=%s: %v (run e2e/conformance/install.sh %s)", conformanceDirEnv, dir, err, dir)
		}
	}
	return conformanceSuite{bin: bin}
}

// cliRun is one running conformance CLI process.
type cliRun struct {
	args   []string
	cmd    *exec.Cmd
	out    *notifyBuffer
	exited chan struct{}
}

// start launches the CLI with args. Its .bin comes first on PATH so the
// script's `#!/usr/bin/env node` finds Node 22, whatever node the machine has.
// The process is killed when ctx ends.
func (c conformanceSuite) start(t *testing.T, ctx context.Context, args ...string) *cliRun {
	t.Helper()
	r := &cliRun{args: args, out: newNotifyBuffer(), exited: make(chan struct{})}
	r.cmd = exec.CommandContext(ctx, filepath.Join(c.bin, "conformance"), args...)
	r.cmd.Env = append(cleanEnv(), "PATH="+c.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	r.cmd.Stdout = r.out
	r.cmd.Stderr = r.out
	r.cmd.WaitDelay = stopGrace
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("start conformance %s: %v", strings.Join(args, " "), err)
	}
	go func() {
		_ = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
		default:
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
		if t.Failed() {
			t.Logf("conformance %s (%v), whole output:\n%s", r, r.cmd.ProcessState, r.out)
		}
	})
	return r
}

// waitLine returns the first output line that match accepts, or fails the
// test when the process exits or within passes without one.
func (r *cliRun) waitLine(t *testing.T, within time.Duration, match func(line string) bool) string {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		for line := range strings.Lines(r.out.String()) {
			if line = strings.TrimSpace(line); match(line) {
				return line
			}
		}
		select {
		case <-r.out.changed:
		case <-r.exited:
			t.Fatalf("conformance %s exited (%v) before printing the expected line", r, r.cmd.ProcessState)
		case <-deadline.C:
			t.Fatalf("conformance %s printed no expected line within %v", r, within)
		}
	}
}

// wait waits for the process to exit and returns its exit code and output;
// it kills the process and fails the test after within.
func (r *cliRun) wait(t *testing.T, within time.Duration) (int, string) {
	t.Helper()
	select {
	case <-r.exited:
		return r.cmd.ProcessState.ExitCode(), r.out.String()
	case <-time.After(within):
		_ = r.cmd.Process.Kill()
		<-r.exited
		t.Fatalf("conformance %s still running after %v; killed", r, within)
		return 0, ""
	}
}

// summary is the CLI's result lines ("Passed: 3/3, 0 failed, 0 warnings",
// "Total: 3 passed, 0 failed").
func summary(out string) string {
	var lines []string
	for line := range strings.Lines(out) {
		if strings.Contains(line, " failed") {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	return strings.Join(lines, "; ")
}

func (r *cliRun) String() string { return strings.Join(r.args, " ") }

// noneFailed matches the CLI's summary line when no check failed
// ("Passed: 3/3, 0 failed, 0 warnings"), and not "10 failed".
var noneFailed = regexp.MustCompile(`(^|[^0-9])0 failed`)

// conformanceCheck is one entry of the checks.json the CLI writes per
// scenario.
type conformanceCheck struct {
	ID           string         `json:"id"`
	Status       string         `json:"status"` // SUCCESS, FAILURE, WARNING, SKIPPED, INFO
	ErrorMessage string         `json:"errorMessage"`
	Details      map[string]any `json:"details"`
}

// readChecks collects the checks of every scenario result under dir (the
// CLI's -o directory).
func readChecks(t *testing.T, dir string) []conformanceCheck {
	t.Helper()
	var all []conformanceCheck
	for _, checks := range readChecksByScenario(t, dir) {
		all = append(all, checks...)
	}
	return all
}

// readChecksByScenario is readChecks keyed by each result's directory,
// which names its scenario.
func readChecksByScenario(t *testing.T, dir string) map[string][]conformanceCheck {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]conformanceCheck{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var checks []conformanceCheck
		if err := json.Unmarshal(raw, &checks); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(filepath.Dir(f))] = checks
	}
	return out
}

// describeChecks renders checks as the checks.json excerpt a failure report
// needs.
func describeChecks(checks []conformanceCheck) string {
	var b strings.Builder
	for _, c := range checks {
		details, _ := json.Marshal(c.Details)
		if len(details) > 1500 {
			details = append(details[:1500], "…"...)
		}
		fmt.Fprintf(&b, "  %s %s: %s\n    details: %s\n", c.Status, c.ID, c.ErrorMessage, details)
	}
	return b.String()
}

// writeBaseline writes the CLI's expected-failures file: each entry is a
// "scenario:check-id" the CLI may see fail (or warn) without failing the
// run; an entry that passes makes the run fail as stale.
func writeBaseline(t *testing.T, scenario string, checkIDs []string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("server:\n")
	for _, id := range checkIDs {
		fmt.Fprintf(&b, "  - %q\n", scenario+":"+id)
	}
	path := filepath.Join(t.TempDir(), "expected-failures.yml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// notifyBuffer is a syncBuffer that signals each write, so a reader can
// wait for output without polling.
type notifyBuffer struct {
	syncBuffer
	changed chan struct{}
}

func newNotifyBuffer() *notifyBuffer { return &notifyBuffer{changed: make(chan struct{}, 1)} }

func (b *notifyBuffer) Write(p []byte) (int, error) {
	n, err := b.syncBuffer.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return n, err
}
