package e2e

import (
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

// TestConformanceThroughTheGateway runs the official suite's server
// requirement sets (2025-11-25 and 2026-07-28) against Gatehouse's /mcp with
// the go-sdk's conformance fixture behind it as an upstream, once over
// stdio and once over Streamable HTTP. The suite sends no token, so a proxy
// between them adds one.
func TestConformanceThroughTheGateway(t *testing.T) {
	suite := findConformanceSuite(t)
	fixture := buildEverythingServer(t)
	for _, transport := range []string{"stdio", "http"} {
		for _, rev := range []string{legacyMCP, modernMCP} {
			t.Run(transport+"/"+rev, func(t *testing.T) {
				var upstreamYAML string
				if transport == "stdio" {
					// One child, one session, one revision: the set's own.
					upstreamYAML = fmt.Sprintf("    protocol: %q\n    stdio: {command: %q}\n", rev, fixture)
				} else {
					// The fixture serves one era per HTTP handler, as the
					// SDK does: sessions (whose requests reach the client
					// mid-call) for 2025-11-25, stateless for 2026-07-28.
					addr := startEverythingHTTP(t, fixture, rev == modernMCP)
					upstreamYAML = fmt.Sprintf("    http: {url: %q}\n", "http://"+addr+"/mcp")
				}
				file := filepath.Join(t.TempDir(), "gatehouse.yaml")
				conf := "upstreams:\n  - name: everything\n    prefix: \"\"\n" + upstreamYAML
				if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
					t.Fatal(err)
				}
				// Argument values and error texts in the audit log say why a
				// scenario failed.
				s := startMCPServer(t, "GATEHOUSE_CONFIG="+file, "GATEHOUSE_RATELIMIT__ENABLED=false", "GATEHOUSE_AUDIT__LOG_ARGUMENTS=true")
				token := s.mint(t, "alice", "read write admin")
				proxyErrs := &syncBuffer{}
				proxy := startTokenProxy(t, s.URL, token, proxyErrs, nil)
				_, port, err := net.SplitHostPort(proxy.Listener.Addr().String())
				if err != nil {
					t.Fatal(err)
				}
				runRequirementSet(t, suite, "http://localhost:"+port+"/mcp", rev)
			})
		}
	}
}

// startEverythingHTTP runs the fixture over Streamable HTTP, stateless or
// with sessions.
func startEverythingHTTP(t *testing.T, bin string, stateless bool) string {
	t.Helper()
	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	out := &syncBuffer{}
	cmd := exec.Command(bin, "-http", addr, "-stateless="+strconv.FormatBool(stateless))
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
// scenario passed.
func runRequirementSet(t *testing.T, suite conformanceSuite, mcpURL, rev string) {
	dir := t.TempDir()
	args := []string{"server", "--url", mcpURL, "--requirements", rev, "-o", dir}
	run := suite.start(t, t.Context(), args...)
	code, out := run.wait(t, gatewayConformanceLimit)
	t.Logf("conformance %s: exit %d\n%s", run, code, lastLines(out, 60))
	failed := map[string][]conformanceCheck{}
	var warned []conformanceCheck
	passed := 0
	for scenario, checks := range readChecksByScenario(t, dir) {
		for _, c := range checks {
			switch c.Status {
			case "SUCCESS":
				passed++
			case "FAILURE":
				failed[scenario] = append(failed[scenario], c)
			case "WARNING":
				warned = append(warned, c)
			}
		}
	}
	names := slices.Sorted(maps.Keys(failed))
	for _, n := range names {
		t.Logf("FAILED %s:\n%s", n, describeChecks(failed[n]))
	}
	if len(warned) > 0 {
		t.Logf("warnings (SHOULD-level, not failing):\n%s", describeChecks(warned))
	}
	t.Logf("%d checks passed, %d scenarios with failures", passed, len(names))
	// The CLI's exit code counts the scored scenarios only: the tasks
	// extension and pending scenarios may fail without failing the run.
	if code != 0 {
		t.Errorf("exit code %d: a scored scenario failed", code)
	}
	if passed == 0 {
		t.Errorf("no check passed: the requirement set did not run")
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
