package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// gatewayConformanceLimit bounds one requirement-set run of the CLI: each
// runs some 30 scenarios one after another.
const gatewayConformanceLimit = 6 * time.Minute

// everythingServer builds the go-sdk's conformance fixture, the server the
// suite's scenarios are written against, once per test binary.
var everythingServer = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "gatehouse-everything-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "everything-server")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/modelcontextprotocol/go-sdk/conformance/everything-server")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build everything-server: %w\n%s", err, out)
	}
	return bin, nil
})

func buildEverythingServer(t *testing.T) string {
	t.Helper()
	bin, err := everythingServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(filepath.Dir(bin)) })
	return bin
}

// gatewayExpectedFailures are the scored scenarios and checks that cannot
// pass through the gateway, by requirement set, each with its reason; every
// other scored scenario must pass. The CLI treats a listed entry that
// passes as stale and fails the run, so an entry cannot outlive its reason.
var gatewayExpectedFailures = map[string]map[string]string{
	modernMCP: {
		// Gatehouse holds one session with the upstream and declares the
		// capabilities it can relay (sampling, elicitation); an upstream
		// that checks a caller's capabilities before running a tool sees
		// Gatehouse's. A caller without them is told when the relay fails.
		"server-stateless:sep-2575-server-rejects-undeclared-capability": "upstream sees Gatehouse's capabilities, not the caller's",
		"server-stateless:sep-2575-missing-capability-http-400":          "follows from the check above",
	},
}

// TestConformanceThroughTheGateway runs the official suite's server
// requirement sets (2025-11-25 and 2026-07-28) against Gatehouse's /mcp with
// the go-sdk's conformance fixture behind it as an upstream, once over
// stdio and once over Streamable HTTP. The suite sends no token, so a proxy
// between them adds one.
func TestConformanceThroughTheGateway(t *testing.T) {
	suite := findConformanceSuite(t)
	fixture := buildEverythingServer(t)
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			var upstreamYAML string
			if transport == "stdio" {
				upstreamYAML = fmt.Sprintf("    stdio: {command: %q}\n", fixture)
			} else {
				addr := startEverythingHTTP(t, fixture)
				upstreamYAML = fmt.Sprintf("    http: {url: %q}\n", "http://"+addr+"/mcp")
			}
			file := filepath.Join(t.TempDir(), "gatehouse.yaml")
			conf := "upstreams:\n  - name: everything\n    prefix: \"\"\n" + upstreamYAML
			if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			// Argument values and error texts in the audit log say why a scenario
			// failed.
			s := startMCPServer(t, "GATEHOUSE_CONFIG="+file, "GATEHOUSE_RATELIMIT__ENABLED=false", "GATEHOUSE_AUDIT__LOG_ARGUMENTS=true")
			token := s.mint(t, "alice", "read write admin")
			proxyErrs := &syncBuffer{}
			proxy := startTokenProxy(t, s.URL, token, proxyErrs, nil)
			_, port, err := net.SplitHostPort(proxy.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			mcpURL := "http://localhost:" + port + "/mcp"
			for _, rev := range []string{legacyMCP, modernMCP} {
				t.Run(rev, func(t *testing.T) {
					runRequirementSet(t, suite, mcpURL, rev)
				})
			}
		})
	}
}

// startEverythingHTTP runs the fixture over Streamable HTTP with sessions,
// so that it can send requests to Gatehouse mid-call.
func startEverythingHTTP(t *testing.T, bin string) string {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-http", addr, "-stateless=false")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("everything-server output:\n%s", out)
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			_ = c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("everything-server at %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// runRequirementSet runs one requirement set and checks that every scored
// scenario passed, apart from the expected failures.
func runRequirementSet(t *testing.T, suite conformanceSuite, mcpURL, rev string) {
	dir := t.TempDir()
	args := []string{"server", "--url", mcpURL, "--requirements", rev, "-o", dir}
	expected := gatewayExpectedFailures[rev]
	if len(expected) > 0 {
		var b strings.Builder
		b.WriteString("server:\n")
		for _, entry := range slices.Sorted(maps.Keys(expected)) {
			fmt.Fprintf(&b, "  - %q\n", entry)
		}
		file := filepath.Join(t.TempDir(), "expected-failures.yml")
		if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--expected-failures", file)
	}
	run := suite.start(t, t.Context(), args...)
	code, out := run.wait(t, gatewayConformanceLimit)
	t.Logf("conformance %s: exit %d\n%s", run, code, lastLines(out, 60))
	failed := map[string][]conformanceCheck{}
	passed := 0
	files, _ := filepath.Glob(filepath.Join(dir, "*", "checks.json"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var checks []conformanceCheck
		if err := json.Unmarshal(raw, &checks); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		scenario := filepath.Base(filepath.Dir(f))
		for _, c := range checks {
			switch c.Status {
			case "SUCCESS":
				passed++
			case "FAILURE":
				failed[scenario] = append(failed[scenario], c)
			}
		}
	}
	var names []string
	for n := range failed {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		t.Logf("FAILED %s:\n%s", n, describeChecks(failed[n]))
	}
	t.Logf("%d checks passed, %d scenarios with failures", passed, len(names))
	if code != 0 {
		t.Errorf("exit code %d", code)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
