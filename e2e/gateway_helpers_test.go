package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// callBound is how long a test waits for any one tool call through the
// gateway: far beyond what a healthy call takes, short of the upstream's
// default timeout of 60s, so a call that hangs fails the test instead.
const callBound = 10 * time.Second

// The recorder fixture (e2e/fixtures/recorder) is built once per test run,
// beside the gatehouse binary, whose directory TestMain removes at the end.
var (
	recorderOnce sync.Once
	recorderPath string
	recorderErr  error
)

func recorderBinary(t *testing.T) string {
	t.Helper()
	recorderOnce.Do(func() {
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			recorderErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		bin := filepath.Join(filepath.Dir(gatehouseBin), "recorder")
		cmd := exec.Command("go", "build", "-o", bin, "./e2e/fixtures/recorder")
		cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
		if out, err := cmd.CombinedOutput(); err != nil {
			recorderErr = fmt.Errorf("go build ./e2e/fixtures/recorder: %w\n%s", err, out)
			return
		}
		recorderPath = bin
	})
	if recorderErr != nil {
		t.Fatal(recorderErr)
	}
	return recorderPath
}

// gatewayConfig is the part of Gatehouse's YAML configuration these tests
// set. It is written as JSON, which YAML reads as it is.
type gatewayConfig struct {
	Dev       bool             `json:"dev"`
	Upstreams []upstreamConfig `json:"upstreams"`
	Tools     *toolsConfig     `json:"tools,omitempty"`
}

type upstreamConfig struct {
	Name          string         `json:"name"`
	Prefix        *string        `json:"prefix,omitempty"`
	Stdio         *stdioUpstream `json:"stdio,omitempty"`
	HTTP          *httpUpstream  `json:"http,omitempty"`
	Timeout       string         `json:"timeout,omitempty"`
	ForwardCaller bool           `json:"forward_caller,omitempty"`
}

type stdioUpstream struct {
	Command        string            `json:"command"`
	Args           []string          `json:"args,omitempty"`
	Env            map[string]string `json:"env,omitempty"`
	EnvPassthrough []string          `json:"env_passthrough,omitempty"`
}

type httpUpstream struct {
	URL       string            `json:"url"`
	Headers   map[string]string `json:"headers,omitempty"`
	BearerEnv string            `json:"bearer_env,omitempty"`
}

type toolsConfig struct {
	DefaultScopes []string     `json:"default_scopes,omitempty"`
	Policy        []toolPolicy `json:"policy,omitempty"`
}

type toolPolicy struct {
	Match  string   `json:"match"`
	Scopes []string `json:"scopes"`
}

// writeGatewayConfig writes cfg, in development mode, to a file for
// GATEHOUSE_CONFIG.
func writeGatewayConfig(t *testing.T, cfg gatewayConfig) string {
	t.Helper()
	cfg.Dev = true
	raw, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(file, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// startGateway starts `gatehouse serve` with the upstreams of cfg; env
// adds to its environment (and to that of `gatehouse token`).
func startGateway(t *testing.T, cfg gatewayConfig, env ...string) *mcpServer {
	t.Helper()
	file := writeGatewayConfig(t, cfg)
	t.Logf("configuration:\n%s", mustRead(t, file))
	return startMCPServer(t, append([]string{"GATEHOUSE_CONFIG=" + file}, env...)...)
}

// recorderUpstream is a stdio upstream running the recorder fixture, which
// writes its record to record.
func recorderUpstream(t *testing.T, name, record string, extraArgs ...string) upstreamConfig {
	t.Helper()
	logRecordOnFailure(t, record)
	return upstreamConfig{
		Name:  name,
		Stdio: &stdioUpstream{Command: recorderBinary(t), Args: append([]string{"-record", record}, extraArgs...)},
	}
}

// startHTTPRecorder runs the recorder as a Streamable HTTP server on a
// free loopback port and returns its MCP URL. The process is ended by its
// PID when the test ends.
func startHTTPRecorder(t *testing.T, record string) string {
	t.Helper()
	logRecordOnFailure(t, record)
	cmd := exec.Command(recorderBinary(t), "-http", "127.0.0.1:0", "-record", record)
	// Its own environment is not under test; it needs none.
	cmd.Env = []string{}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start recorder: %v", err)
	}
	exited := make(chan struct{})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			urls <- strings.TrimSpace(sc.Text())
		}
		for sc.Scan() {
		}
		_ = cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopGrace):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("HTTP recorder stderr:\n%s", stderr)
		}
	})
	select {
	case u := <-urls:
		return u
	case <-exited:
		t.Fatalf("HTTP recorder exited before listening: %s", stderr)
	case <-time.After(readyDeadline):
		t.Fatalf("HTTP recorder printed no URL within %v: %s", readyDeadline, stderr)
	}
	return ""
}

// logRecordOnFailure shows what an upstream recorded when the test fails.
func logRecordOnFailure(t *testing.T, record string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if raw, err := os.ReadFile(record); err == nil {
			t.Logf("record %s:\n%s", filepath.Base(record), raw)
		}
	})
}

// recorded is one line of the recorder's record.
type recorded struct {
	Event  string              `json:"event"`
	PID    int                 `json:"pid"`
	Argv   []string            `json:"argv"`
	Env    []string            `json:"env"`
	Method string              `json:"method"`
	Params json.RawMessage     `json:"params"`
	Path   string              `json:"path"`
	Header map[string][]string `json:"header"`
	RPC    string              `json:"rpc"`
}

// readRecord reads every event the recorder wrote to file so far.
func readRecord(t *testing.T, file string) []recorded {
	t.Helper()
	var events []recorded
	for line := range strings.Lines(mustRead(t, file)) {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var e recorded
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("record %s: %v in line %q", file, err, line)
		}
		events = append(events, e)
	}
	return events
}

// recordedEvents are the events of one kind; for "request" events, of
// the given method.
func recordedEvents(events []recorded, event, method string) []recorded {
	var out []recorded
	for _, e := range events {
		if e.Event == event && (method == "" || e.Method == method) {
			out = append(out, e)
		}
	}
	return out
}

func mustRead(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// readiness is the body of GET /readyz.
type readiness struct {
	Status    string            `json:"status"`
	Upstreams map[string]string `json:"upstreams"`
}

// readyz fetches /readyz, which must answer 200 whatever state the
// upstreams are in: an upstream that is down does not make Gatehouse
// unready.
func readyz(t *testing.T, s *mcpServer) readiness {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, s.URL+"/readyz", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("GET /readyz: %v", err)
	}
	defer resp.Body.Close()
	var r readiness
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatalf("GET /readyz: %d, body not JSON: %v", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || r.Status != "ready" {
		t.Fatalf("GET /readyz: %d %+v, want 200 and status ready", resp.StatusCode, r)
	}
	return r
}

// sdkCall calls a tool through a client session; it fails the test when
// no answer comes within callBound, and returns the SDK's error otherwise.
func sdkCall(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) (*mcp.CallToolResult, error) {
	t.Helper()
	return sdkCallMeta(t, cs, tool, args, nil)
}

// sdkCallMeta is sdkCall with the request's _meta.
func sdkCallMeta(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any, meta mcp.Meta) (*mcp.CallToolResult, error) {
	t.Helper()
	if args == nil {
		args = map[string]any{}
	}
	ctx, cancel := context.WithTimeout(t.Context(), callBound)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args, Meta: meta})
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("%s: no answer within %v", tool, callBound)
	}
	return res, err
}

// mustSucceed calls a tool that must answer without a tool error, and
// returns its text.
func mustSucceed(t *testing.T, cs *mcp.ClientSession, tool string, args map[string]any) string {
	t.Helper()
	res, err := sdkCall(t, cs, tool, args)
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	if res.IsError {
		t.Fatalf("%s: tool error %q", tool, sdkText(res))
	}
	return sdkText(res)
}

// callPID asks a recorder upstream for its process id.
func callPID(t *testing.T, cs *mcp.ClientSession, tool string) int {
	t.Helper()
	text := mustSucceed(t, cs, tool, nil)
	pid, err := strconv.Atoi(text)
	if err != nil {
		t.Fatalf("%s returned %q, want a process id", tool, text)
	}
	return pid
}

// listTools lists every tool the session's token may call, by name.
func listTools(t *testing.T, cs *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callBound)
	defer cancel()
	tools := map[string]*mcp.Tool{}
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatalf("tools/list: %v", err)
		}
		tools[tl.Name] = tl
	}
	return tools
}

// namesWithPrefix are the sorted names in tools that start with prefix.
func namesWithPrefix(tools map[string]*mcp.Tool, prefix string) []string {
	names := []string{}
	for n := range tools {
		if strings.HasPrefix(n, prefix) {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	return names
}

// parentPID reads a process' parent from /proc, so a test kills only a
// process the server it started has started.
func parentPID(t *testing.T, pid int) int {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	// The command name in parentheses may hold spaces; the fields after
	// its closing parenthesis are state, then the parent's id.
	rest := string(raw[strings.LastIndexByte(string(raw), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 2 {
		t.Fatalf("/proc/%d/stat: %q", pid, raw)
	}
	ppid, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("/proc/%d/stat parent %q: %v", pid, fields[1], err)
	}
	return ppid
}

// memoryServer is the reference memory MCP server that
// e2e/conformance/install.sh puts beside the conformance suite.
type memoryServer struct {
	node   string // Node 22
	script string // the package's bin entry
}

// findMemoryServer locates the memory server in the conformance
// installation; like the suite itself, it skips locally without one and
// fails under CI=true.
func findMemoryServer(t *testing.T) memoryServer {
	t.Helper()
	suite := findConformanceSuite(t)
	pkgDir := filepath.Join(filepath.Dir(suite.bin), "@modelcontextprotocol", "server-memory")
	var pkg struct {
		Version string            `json:"version"`
		Bin     map[string]string `json:"bin"`
	}
	raw, err := os.ReadFile(filepath.Join(pkgDir, "package.json"))
	if err == nil {
		err = json.Unmarshal(raw, &pkg)
	}
	if err != nil || pkg.Bin["mcp-server-memory"] == "" {
		t.Fatalf("@modelcontextprotocol/server-memory in %s: %v, bin %v (run e2e/conformance/install.sh %s)",
			pkgDir, err, pkg.Bin, filepath.Dir(filepath.Dir(suite.bin)))
	}
	t.Logf("server-memory %s", pkg.Version)
	return memoryServer{node: filepath.Join(suite.bin, "node"), script: filepath.Join(pkgDir, pkg.Bin["mcp-server-memory"])}
}
