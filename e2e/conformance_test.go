package e2e

import (
	"errors"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	// cliLimit bounds one CLI run; the CLI's own per-scenario timeout is 30 s.
	cliLimit = 60 * time.Second
	// promptLimit bounds the wait for the CLI to print the authorize URL
	// and to open its callback listener (Node start-up plus discovery).
	promptLimit = 20 * time.Second
)

// serverScenario is one `conformance server --scenario` run against /mcp.
type serverScenario struct {
	Name    string
	Version string // --spec-version: which wire the CLI speaks
	// FixtureOnly lists checks that only the suite's "everything server"
	// can pass: they call its diagnostic tools (test_missing_capability,
	// test_logging_tool, …), which Gatehouse does not have, and report
	// "not testable". The CLI may see exactly these fail; all others pass.
	FixtureOnly []string
}

// conformanceServerScenarios are the server scenarios that apply to a
// tools-only server. Left out, because they exercise the everything-server
// fixtures (tools, prompts, resources, completions Gatehouse does not
// serve): tools-call-*, completion-complete, prompts-*, resources-*,
// sep-2164-resource-not-found, elicitation-*, json-schema-2020-12,
// http-custom-header-server-validation (needs a tool with x-mcp-header),
// input-required-result-* except unsupported-methods (need the
// test_input_required_result_* tools), and the tasks-* and skills
// extensions. server-sse-polling has no scored check: without an event
// store it only reports the resumability SHOULDs (priming event, retry).
func conformanceServerScenarios() []serverScenario {
	return []serverScenario{
		{Name: "server-initialize", Version: legacyMCP},
		{Name: "server-session-lifecycle", Version: legacyMCP},
		{Name: "ping", Version: legacyMCP},
		{Name: "logging-set-level", Version: legacyMCP},
		{Name: "tools-list", Version: legacyMCP},
		{Name: "server-sse-multiple-streams", Version: legacyMCP},
		{Name: "dns-rebinding-protection", Version: legacyMCP},

		// Not fixture-only, and so required: sep-2575-server-declares-prompts-in-discover
		// (a server that answers prompts/list must declare prompts).
		{Name: "server-stateless", Version: modernMCP, FixtureOnly: []string{
			"sep-2575-server-rejects-undeclared-capability",            // calls test_missing_capability
			"sep-2575-missing-capability-http-400",                     // same probe
			"sep-2575-http-server-no-independent-requests-on-stream",   // calls test_streaming_elicitation
			"sep-2575-server-no-log-without-loglevel",                  // calls test_logging_tool
			"sep-2575-server-sends-tools-list-changed-on-subscription", // a WARNING: mutates tools via test_trigger_tool_change
		}},
		{Name: "tools-list", Version: modernMCP},
		{Name: "caching", Version: modernMCP},
		{Name: "http-header-validation", Version: modernMCP},
		{Name: "server-sse-multiple-streams", Version: modernMCP},
		{Name: "dns-rebinding-protection", Version: modernMCP},
		{Name: "input-required-result-unsupported-methods", Version: modernMCP},
	}
}

// TestOfficialConformanceSuite runs the official MCP conformance suite
// (@modelcontextprotocol/conformance, installed by e2e/conformance/install.sh)
// against the binary: the authorization-server scenarios against the
// built-in authorization server, with a scripted user at the login and
// consent pages, and the applicable server scenarios against /mcp on both
// wires, through a proxy that supplies the access token.
// It runs alone, not beside the parallel tests: the suite's clients work
// to timeouts of their own, which a loaded two-core machine can miss.
func TestOfficialConformanceSuite(t *testing.T) {
	suite := findConformanceSuite(t)
	s := startMCPServer(t)

	t.Run("authorization", func(t *testing.T) {
		runAuthorizationScenarios(t, suite, s.server)
	})

	t.Run("server", func(t *testing.T) {
		token := s.mint(t, "alice", "read write admin")
		proxyErrs := &syncBuffer{}
		proxyTrace := &syncBuffer{}
		proxy := startTokenProxy(t, s.URL, token, proxyErrs, proxyTrace)
		_, port, err := net.SplitHostPort(proxy.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		mcpURL := "http://localhost:" + port + "/mcp"
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("token proxy exchanges:\n%s", proxyTrace)
			}
			if t.Failed() && proxyErrs.String() != "" {
				t.Logf("token proxy errors:\n%s", proxyErrs)
			}
		})
		// One scenario at a time: they share alice's session cap and tool
		// rate limit, and a failure is easier to read in the server log.
		for _, sc := range conformanceServerScenarios() {
			t.Run(sc.Name+"@"+sc.Version, func(t *testing.T) {
				runServerScenario(t, suite, mcpURL, sc)
			})
		}
	})
}

// runAuthorizationScenarios runs authorization-server-metadata-endpoint and
// the interactive authorization-code-grant: the CLI prints an authorize
// URL and waits on 127.0.0.1:<port>/callback; the test plays alice in a
// cookie-keeping browser and hands the final redirect to that listener.
func runAuthorizationScenarios(t *testing.T, suite conformanceSuite, s *server) {
	port := strconv.Itoa(freePort(t))
	outDir := t.TempDir()
	run := suite.start(t, t.Context(), "authorization",
		"--url", s.URL, "--client-id", demoClientID, "-p", port, "-o", outDir)

	authURL := run.waitLine(t, promptLimit, func(line string) bool {
		return strings.HasPrefix(line, s.URL+"/") && strings.Contains(line, "response_type=code")
	})
	o := newBrowser(t, s).authorize(t, authURL, "alice", "allow")
	callback := "http://127.0.0.1:" + port + "/callback"
	if o.Redirect == nil || !strings.HasPrefix(o.Redirect.String(), callback+"?") {
		t.Fatalf("authorization did not end at %s\n%s", callback, o)
	}
	deliverCallback(t, o.Redirect.String())

	code, out := run.wait(t, cliLimit)
	t.Logf("conformance %s: %s", run, summary(out))
	if code != 0 || !noneFailed.MatchString(out) {
		t.Errorf("exit code %d, want 0 and \"0 failed\"", code)
	}
	status := map[string]string{}
	for _, c := range readChecks(t, outDir) {
		status[c.ID] = c.Status
		if c.Status == "FAILURE" {
			t.Errorf("failed check (from checks.json):\n%s", describeChecks([]conformanceCheck{c}))
		}
	}
	// One check per scenario that must have run: the metadata document
	// and the full code grant up to the token response.
	for _, id := range []string{"authorization-server-metadata", "authorization-code-grant"} {
		if status[id] != "SUCCESS" {
			t.Errorf("check %s: status %q, want SUCCESS", id, status[id])
		}
	}
}

// deliverCallback sends the browser to the CLI's callback listener, which
// may start just after the CLI prints the authorize URL: a refused
// connection is retried, anything else is final.
func deliverCallback(t *testing.T, rawURL string) {
	t.Helper()
	client := &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	deadline := time.Now().Add(promptLimit)
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		resp, err := client.Get(rawURL)
		if err == nil {
			resp.Body.Close()
			t.Logf("callback listener answered %d", resp.StatusCode)
			return
		}
		var op *net.OpError
		if !errors.As(err, &op) || op.Op != "dial" || time.Now().After(deadline) {
			t.Fatalf("deliver the redirect to %s: %v", rawURL, err)
		}
		<-tick.C
	}
}

// runServerScenario runs one server scenario and requires every check to
// pass, apart from the scenario's fixture-only checks, which go to the CLI
// as its expected-failures baseline (it then also fails on a stale entry).
func runServerScenario(t *testing.T, suite conformanceSuite, mcpURL string, sc serverScenario) {
	dir := t.TempDir()
	args := []string{"server", "--url", mcpURL, "--scenario", sc.Name, "--spec-version", sc.Version, "-o", dir}
	if len(sc.FixtureOnly) > 0 {
		args = append(args, "--expected-failures", writeBaseline(t, sc.Name, sc.FixtureOnly))
	}
	run := suite.start(t, t.Context(), args...)
	code, out := run.wait(t, cliLimit)

	t.Logf("conformance %s: %s", run, summary(out))
	var passed int
	var failed, warned []conformanceCheck
	for _, c := range readChecks(t, dir) {
		switch {
		case c.Status == "SUCCESS":
			passed++
		case slices.Contains(sc.FixtureOnly, c.ID):
		case c.Status == "FAILURE":
			failed = append(failed, c)
		case c.Status == "WARNING":
			warned = append(warned, c)
		}
	}
	if len(warned) > 0 {
		t.Logf("warnings (SHOULD-level, not failing):\n%s", describeChecks(warned))
	}
	if len(failed) > 0 {
		t.Errorf("failed checks (from checks.json):\n%s", describeChecks(failed))
	}
	if passed == 0 {
		// The CLI exits 0 for a scenario that does not apply to the spec
		// version and writes no checks.
		t.Errorf("no check passed: the scenario did not run")
	}
	if code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
	if len(sc.FixtureOnly) == 0 && !noneFailed.MatchString(out) {
		t.Errorf("output does not report \"0 failed\"")
	}
}
