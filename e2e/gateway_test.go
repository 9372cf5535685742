package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The reference memory server from npm runs as a stdio upstream: its tools
// appear under the prefix with the input schemas the server itself
// declares, a write token creates an entity that a later read sees, and a
// read-only token neither sees nor may call the writing tool.
func TestGatewayServesAnNpmServer(t *testing.T) {
	t.Parallel()
	memory := findMemoryServer(t)
	own := memoryServerTools(t, memory)
	if len(own) == 0 {
		t.Fatal("the memory server lists no tools of its own")
	}

	s := startGateway(t, gatewayConfig{
		Upstreams: []upstreamConfig{{
			Name:   "mem",
			Prefix: new("mem_"),
			Stdio: &stdioUpstream{
				Command: memory.node,
				Args:    []string{memory.script},
				Env:     map[string]string{"MEMORY_FILE_PATH": filepath.Join(t.TempDir(), "memory.jsonl")},
			},
		}},
		Tools: &toolsConfig{Policy: []toolPolicy{
			{Match: "mem_read_graph", Scopes: []string{"read"}},
			{Match: "mem_*", Scopes: []string{"write"}},
		}},
	})
	if got := readyz(t, s).Upstreams["mem"]; got != "up" {
		t.Errorf("/readyz upstream mem = %q, want up", got)
	}
	writeTok, readTok := s.mint(t, "alice", "write"), s.mint(t, "bob", "read")
	writer := connectBearer(t, s.Resource, writeTok, modernMCP)
	reader := connectBearer(t, s.Resource, readTok, modernMCP)

	listed := listTools(t, writer)
	for name, tl := range own {
		got, ok := listed["mem_"+name]
		if !ok {
			t.Errorf("tools/list for write lacks mem_%s", name)
			continue
		}
		if diff := cmp.Diff(jsonValue(t, tl.InputSchema), jsonValue(t, got.InputSchema)); diff != "" {
			t.Errorf("mem_%s input schema differs from the memory server's own (-own +gateway):\n%s", name, diff)
		}
		if got.Description != tl.Description {
			t.Errorf("mem_%s description %q, want the memory server's %q", name, got.Description, tl.Description)
		}
		if _, unprefixed := listed[name]; unprefixed {
			t.Errorf("tools/list has %s without the prefix", name)
		}
	}
	if extra := len(namesWithPrefix(listed, "mem_")) - len(own); extra != 0 {
		t.Errorf("tools/list has mem_ tools %v, want one per memory server tool (%d)", namesWithPrefix(listed, "mem_"), len(own))
	}

	entity := map[string]any{"entities": []any{map[string]any{
		"name": "gatehouse-gateway", "entityType": "service", "observations": []any{"created through Gatehouse"},
	}}}
	mustSucceed(t, writer, "mem_create_entities", entity)
	if graph := graphOf(t, writer); !strings.Contains(graph, "gatehouse-gateway") {
		t.Errorf("mem_read_graph after mem_create_entities = %s, want the new entity", graph)
	}

	if got, want := namesWithPrefix(listTools(t, reader), "mem_"), []string{"mem_read_graph"}; !cmp.Equal(got, want) {
		t.Errorf("mem_ tools for a read token = %v, want %v", got, want)
	}
	refused := map[string]any{"entities": []any{map[string]any{
		"name": "refused-entity", "entityType": "service", "observations": []any{"must not exist"},
	}}}
	if res, err := sdkCall(t, reader, "mem_create_entities", refused); err == nil {
		t.Errorf("mem_create_entities with a read token answered %q (isError %v), want a refusal", sdkText(res), res.IsError)
	}
	ex := s.callTool(t, readTok, "mem_create_entities", refused)
	ch, _ := bearerChallenge(t, ex.Header)
	if ex.Status != http.StatusForbidden || ch["error"] != "insufficient_scope" || !slices.Contains(strings.Fields(ch["scope"]), "write") {
		t.Errorf("raw mem_create_entities with a read token: want 403 insufficient_scope naming write\n%s", ex)
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(ex.Body), &body); err != nil || body.Error != "insufficient_scope" {
		t.Errorf("raw refusal body: want the error insufficient_scope\n%s", ex)
	}
	// The SDK client closes its session on a 403, so a new one reads.
	reader = connectBearer(t, s.Resource, readTok, modernMCP)
	if graph := graphOf(t, reader); strings.Contains(graph, "refused-entity") || !strings.Contains(graph, "gatehouse-gateway") {
		t.Errorf("mem_read_graph for the read token = %s, want the first entity and not the refused one", graph)
	}
}

// memoryServerTools lists the memory server's tools straight from it, the
// reference the gateway's listing is compared with.
func memoryServerTools(t *testing.T, m memoryServer) map[string]*mcp.Tool {
	t.Helper()
	cmd := exec.Command(m.node, m.script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "MEMORY_FILE_PATH=" + filepath.Join(t.TempDir(), "memory.jsonl")}
	client := mcp.NewClient(&mcp.Implementation{Name: "gatehouse-e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), callBound)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: time.Second}, nil)
	if err != nil {
		t.Fatalf("connect to the memory server directly: %v", err)
	}
	defer cs.Close()
	tools := map[string]*mcp.Tool{}
	for tl, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatalf("the memory server's own tools/list: %v", err)
		}
		tools[tl.Name] = tl
	}
	return tools
}

// graphOf reads the whole knowledge graph through the gateway.
func graphOf(t *testing.T, cs *mcp.ClientSession) string {
	t.Helper()
	res, err := sdkCall(t, cs, "mem_read_graph", nil)
	if err != nil || res.IsError {
		t.Fatalf("mem_read_graph: %v %+v", err, res)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonValue is v as generic JSON, for comparing schemas whatever Go types
// carried them.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// An upstream tool that no policy rule names needs the scope its hints
// imply (read-only: read, no hints: write, destructive: admin), not the
// configured default scopes.
func TestGatewayScopesUpstreamToolsByTheirHints(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "record.jsonl")
	s := startGateway(t, gatewayConfig{
		Upstreams: []upstreamConfig{recorderUpstream(t, "rec", record)},
		Tools:     &toolsConfig{DefaultScopes: []string{"admin"}},
	})
	for _, tt := range []struct {
		scope string
		want  []string
	}{
		{"read", []string{"rec_echo", "rec_pid"}},
		{"write", []string{"rec_echo", "rec_grow", "rec_hang", "rec_pid"}},
		{"admin", []string{"rec_crash", "rec_echo", "rec_grow", "rec_hang", "rec_pid"}},
	} {
		cs := connectBearer(t, s.Resource, s.mint(t, "alice", tt.scope), modernMCP)
		if got := namesWithPrefix(listTools(t, cs), "rec_"); !cmp.Equal(got, tt.want) {
			t.Errorf("rec_ tools for scope %s = %v, want %v", tt.scope, got, tt.want)
		}
		if tt.scope == "read" {
			if got := mustSucceed(t, cs, "rec_echo", map[string]any{"text": "hinted"}); got != "hinted" {
				t.Errorf("rec_echo with a read token = %q, want hinted", got)
			}
			if _, err := sdkCall(t, cs, "rec_hang", nil); err == nil {
				t.Errorf("rec_hang (no hints: write) with a read token was not refused")
			}
		}
	}
}

// The upstream's child process dies: calls meanwhile answer at once with a
// tool error naming the upstream, /readyz says it is down, and the
// supervisor starts a new child, after which calls succeed again.
func TestGatewayRestartsACrashedUpstream(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	record, hold := filepath.Join(dir, "record.jsonl"), filepath.Join(dir, "hold")
	// While the hold file exists a new child exits at start, so the
	// upstream stays down for as long as the test needs to look at it.
	s := startGateway(t, gatewayConfig{Upstreams: []upstreamConfig{recorderUpstream(t, "rec", record, "-hold", hold)}})
	cs := connectBearer(t, s.Resource, s.mint(t, "alice", "read"), modernMCP)

	first := callPID(t, cs, "rec_pid")
	if ppid := parentPID(t, first); ppid != s.cmd.Process.Pid {
		t.Fatalf("rec_pid = %d, whose parent is %d, not gatehouse (%d)", first, ppid, s.cmd.Process.Pid)
	}
	if err := os.WriteFile(hold, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(first, syscall.SIGKILL); err != nil {
		t.Fatalf("kill upstream child %d: %v", first, err)
	}

	// The first call may meet the dying connection, the later ones find the
	// upstream down: each is a tool error saying so, not a hang.
	wantUnavailable := func(when string) {
		t.Helper()
		res, err := sdkCall(t, cs, "rec_pid", nil)
		if err != nil {
			t.Fatalf("rec_pid %s: protocol error %v, want a tool error", when, err)
		}
		if !res.IsError || !strings.Contains(sdkText(res), `upstream "rec" is unavailable`) {
			t.Fatalf("rec_pid %s = %q (isError %v), want a tool error saying rec is unavailable", when, sdkText(res), res.IsError)
		}
	}
	wantUnavailable("right after the kill")
	waitFor(t, 10*time.Second, "/readyz shows rec down", func() bool {
		return strings.HasPrefix(readyz(t, s).Upstreams["rec"], "down: ")
	})
	wantUnavailable("while down")
	wantUnavailable("again while down")
	waitFor(t, 10*time.Second, "the supervisor starts a new child while held", func() bool {
		return len(recordedEvents(readRecord(t, record), "held", "")) > 0
	})
	if got := readyz(t, s).Upstreams["rec"]; !strings.HasPrefix(got, "down: ") {
		t.Errorf("/readyz while the new child fails at start: rec = %q, want down", got)
	}
	// What the child says on stderr is in Gatehouse's log, marked as its.
	if !s.waitOutput(`msg="upstream stderr" upstream=rec line="recorder: held by `, 10*time.Second) {
		t.Error("the held child's stderr line is not in gatehouse's log")
	}

	if err := os.Remove(hold); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "/readyz shows rec up again", func() bool {
		return readyz(t, s).Upstreams["rec"] == "up"
	})
	second := callPID(t, cs, "rec_pid")
	if second == first {
		t.Errorf("rec_pid after the restart = %d, the killed process", second)
	}
	if ppid := parentPID(t, second); ppid != s.cmd.Process.Pid {
		t.Errorf("new upstream child %d has parent %d, not gatehouse (%d)", second, ppid, s.cmd.Process.Pid)
	}
	var started []int
	for _, e := range recordedEvents(readRecord(t, record), "start", "") {
		started = append(started, e.PID)
	}
	if !slices.Contains(started, first) || !slices.Contains(started, second) {
		t.Errorf("recorded starts %v, want both %d and %d", started, first, second)
	}
}

// A call the upstream does not answer within its timeout ends in a tool
// error naming the upstream and the timeout; the upstream is told the
// request was cancelled, and the next call is served as usual.
func TestGatewayTimesOutAHangingUpstream(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "record.jsonl")
	up := recorderUpstream(t, "rec", record)
	up.Timeout = "2s"
	s := startGateway(t, gatewayConfig{Upstreams: []upstreamConfig{up}})
	cs := connectBearer(t, s.Resource, s.mint(t, "alice", "write"), modernMCP)

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "rec_hang", Arguments: map[string]any{}})
	if ctx.Err() != nil {
		t.Fatalf("rec_hang: no answer within 20s; the 2s timeout did not apply")
	}
	if err != nil {
		t.Fatalf("rec_hang: protocol error %v, want a tool error", err)
	}
	if !res.IsError || !strings.Contains(sdkText(res), `upstream "rec" did not answer within 2s`) {
		t.Errorf("rec_hang = %q (isError %v), want a tool error saying rec did not answer within 2s", sdkText(res), res.IsError)
	}
	waitFor(t, 5*time.Second, "the upstream receives notifications/cancelled", func() bool {
		return len(recordedEvents(readRecord(t, record), "request", "notifications/cancelled")) > 0
	})
	if got := mustSucceed(t, cs, "rec_echo", map[string]any{"text": "still here"}); got != "still here" {
		t.Errorf("rec_echo after the timeout = %q, want still here", got)
	}
	if got := readyz(t, s).Upstreams["rec"]; got != "up" {
		t.Errorf("/readyz after a timeout: rec = %q, want up", got)
	}
}

// Neither a stdio nor an HTTP upstream ever sees the caller's token: the
// child's environment is PATH, HOME and what is configured for it, the
// HTTP upstream gets the configured header and Gatehouse's own bearer, and
// the caller reaches an upstream only as the identity in _meta that
// forward_caller puts there (which a caller cannot forge).
func TestUpstreamNeverSeesTheCallerToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	stdioRecord, httpRecord := filepath.Join(dir, "stdio.jsonl"), filepath.Join(dir, "http.jsonl")
	const (
		gatehouseSecret = "gatehouse-own-secret-d41d8cd98f"
		upstreamBearer  = "upstream-bearer-6f1ed002ab"
		upstreamKey     = "upstream-key-9e107d9d37"
		passedValue     = "passed-through-value"
	)
	stdio := recorderUpstream(t, "rec", stdioRecord)
	stdio.ForwardCaller = true
	stdio.Stdio.Env = map[string]string{"RECORDER_MODE": "configured"}
	stdio.Stdio.EnvPassthrough = []string{"PASSED_THROUGH", "NOT_SET_ANYWHERE"}
	httpURL := startHTTPRecorder(t, httpRecord)
	s := startGateway(t, gatewayConfig{Upstreams: []upstreamConfig{
		stdio,
		{Name: "web", HTTP: &httpUpstream{
			URL:       httpURL,
			Headers:   map[string]string{"X-Upstream-Key": upstreamKey},
			BearerEnv: "WEB_UPSTREAM_TOKEN",
		}},
	}},
		"MY_SECRET="+gatehouseSecret,
		"PASSED_THROUGH="+passedValue,
		"WEB_UPSTREAM_TOKEN="+upstreamBearer,
	)
	if got := readyz(t, s).Upstreams; got["rec"] != "up" || got["web"] != "up" {
		t.Fatalf("/readyz upstreams %v, want rec and web up", got)
	}

	tok := s.mint(t, "alice", "read write")
	forged := mcp.Meta{"gatehouse/caller": map[string]any{"sub": "mallory", "client_id": "forged", "scope": "admin"}}
	for _, era := range []string{legacyMCP, modernMCP} {
		cs := connectBearer(t, s.Resource, tok, era)
		for _, tool := range []string{"rec_echo", "web_echo"} {
			for _, meta := range []mcp.Meta{nil, forged} {
				text := fmt.Sprintf("%s from a %s caller", tool, era)
				res, err := sdkCallMeta(t, cs, tool, map[string]any{"text": text}, meta)
				switch {
				case err != nil:
					t.Errorf("%s from a %s caller (_meta %v): %v", tool, era, meta, err)
				case res.IsError || sdkText(res) != text:
					t.Errorf("%s from a %s caller (_meta %v) = %q (isError %v), want %q", tool, era, meta, sdkText(res), res.IsError, text)
				}
			}
		}
	}

	signature := tok[strings.LastIndexByte(tok, '.')+1:]
	for _, file := range []string{stdioRecord, httpRecord} {
		raw := mustRead(t, file)
		for what, secret := range map[string]string{
			"the caller's token": tok, "its signature": signature, "MY_SECRET": gatehouseSecret,
			"Gatehouse's key file":      serverEnv(t, s, "GATEHOUSE_AUTH__BUILTIN__KEY_FILE"),
			"Gatehouse's configuration": serverEnv(t, s, "GATEHOUSE_CONFIG"),
		} {
			if strings.Contains(raw, secret) {
				t.Errorf("%s holds %s", filepath.Base(file), what)
			}
		}
	}
	if raw := mustRead(t, stdioRecord); strings.Contains(raw, upstreamBearer) {
		t.Errorf("the stdio upstream saw the HTTP upstream's bearer")
	}

	stdioEvents := readRecord(t, stdioRecord)
	starts := recordedEvents(stdioEvents, "start", "")
	if len(starts) != 1 {
		t.Fatalf("stdio upstream started %d times, want once", len(starts))
	}
	want := map[string]string{"PASSED_THROUGH": passedValue, "RECORDER_MODE": "configured"}
	for _, k := range []string{"PATH", "HOME"} {
		if v, ok := os.LookupEnv(k); ok {
			want[k] = v
		}
	}
	got := map[string]string{}
	for _, kv := range starts[0].Env {
		k, v, _ := strings.Cut(kv, "=")
		got[k] = v
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stdio child environment (-want +got):\n%s", diff)
	}
	if argv := starts[0].Argv; len(argv) != 3 || argv[1] != "-record" || argv[2] != stdioRecord {
		t.Errorf("stdio child argv %q, want the configured args only", argv)
	}

	httpEvents := readRecord(t, httpRecord)
	requests := recordedEvents(httpEvents, "http", "")
	if len(requests) == 0 {
		t.Fatal("the HTTP upstream recorded no HTTP request")
	}
	for _, r := range requests {
		h := http.Header(r.Header)
		if got := h.Values("Authorization"); !cmp.Equal(got, []string{"Bearer " + upstreamBearer}) {
			t.Errorf("HTTP upstream %s %s: Authorization %q, want Gatehouse's configured bearer", r.Method, r.Path, got)
		}
		if got := h.Get("X-Upstream-Key"); got != upstreamKey {
			t.Errorf("HTTP upstream %s %s: X-Upstream-Key %q, want %q", r.Method, r.Path, got, upstreamKey)
		}
	}

	wantCallers(t, "rec", stdioEvents, &forwardedCaller{Sub: "alice", ClientID: "gatehouse-cli", Scope: "read write"})
	wantCallers(t, "web", httpEvents, nil)
}

// forwardedCaller is _meta["gatehouse/caller"] of a forwarded request.
type forwardedCaller struct {
	Sub      string `json:"sub"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope"`
}

// wantCallers checks every tools/call an upstream received carries want as
// its caller, or no caller at all when want is nil.
func wantCallers(t *testing.T, name string, events []recorded, want *forwardedCaller) {
	t.Helper()
	calls := recordedEvents(events, "request", "tools/call")
	if len(calls) != 4 {
		t.Errorf("%s received %d tools/call, want 4 (two per protocol era)", name, len(calls))
	}
	for _, c := range calls {
		var p struct {
			Name string `json:"name"`
			Meta struct {
				Caller *forwardedCaller `json:"gatehouse/caller"`
			} `json:"_meta"`
		}
		if err := json.Unmarshal(c.Params, &p); err != nil {
			t.Fatalf("%s tools/call params %s: %v", name, c.Params, err)
		}
		if !cmp.Equal(p.Meta.Caller, want) {
			t.Errorf("%s tools/call %s: _meta caller %+v, want %+v (params %s)", name, p.Name, p.Meta.Caller, want, c.Params)
		}
	}
}

// serverEnv is a value of the server's own environment, which a child
// must not learn.
func serverEnv(t *testing.T, s *mcpServer, key string) string {
	t.Helper()
	v := envValue(s.Env, key)
	if v == "" {
		t.Fatalf("%s not in the server's environment", key)
	}
	return v
}

// An upstream that adds a tool says so (notifications/tools/list_changed);
// Gatehouse then lists the new tool under the prefix and serves it, over
// stdio as over Streamable HTTP.
func TestGatewayExportsAToolAnUpstreamAdds(t *testing.T) {
	t.Parallel()
	for _, transport := range []string{"stdio", "http"} {
		t.Run(transport, func(t *testing.T) {
			t.Parallel()
			record := filepath.Join(t.TempDir(), "record.jsonl")
			var up upstreamConfig
			if transport == "http" {
				up = upstreamConfig{Name: "up", HTTP: &httpUpstream{URL: startHTTPRecorder(t, record)}}
			} else {
				up = recorderUpstream(t, "up", record)
			}
			s := startGateway(t, gatewayConfig{Upstreams: []upstreamConfig{up}})
			cs := connectBearer(t, s.Resource, s.mint(t, "alice", "write"), modernMCP)

			if _, ok := listTools(t, cs)["up_grown"]; ok {
				t.Fatal("up_grown is listed before the upstream added it")
			}
			mustSucceed(t, cs, "up_grow", nil)
			waitFor(t, 10*time.Second, "up_grown is listed after the upstream announced it", func() bool {
				_, ok := listTools(t, cs)["up_grown"]
				return ok
			})
			if got := mustSucceed(t, cs, "up_grown", nil); got != "grown" {
				t.Errorf("up_grown = %q, want grown", got)
			}
		})
	}
}

// Gatehouse is an ordinary Streamable HTTP client of an HTTP upstream:
// every request after initialize carries the negotiated protocol version
// and the session id, and the calls of both caller eras use the one
// session. (Gatehouse also asks whether the upstream speaks 2026-07-28; a
// session opened by that question is closed at once.)
func TestGatewaySpeaksStreamableHTTPToAnUpstream(t *testing.T) {
	t.Parallel()
	record := filepath.Join(t.TempDir(), "http.jsonl")
	s := startGateway(t, gatewayConfig{Upstreams: []upstreamConfig{{Name: "web", HTTP: &httpUpstream{URL: startHTTPRecorder(t, record)}}}})
	for _, era := range []string{legacyMCP, modernMCP} {
		cs := connectBearer(t, s.Resource, s.mint(t, "alice", "read"), era)
		if got := mustSucceed(t, cs, "web_echo", map[string]any{"text": era}); got != era {
			t.Errorf("web_echo from a %s caller = %q", era, got)
		}
	}

	events := readRecord(t, record)
	for _, e := range recordedEvents(events, "request", "initialize") {
		var p struct {
			ProtocolVersion string `json:"protocolVersion"`
		}
		if err := json.Unmarshal(e.Params, &p); err != nil {
			t.Fatal(err)
		}
		if p.ProtocolVersion != legacyMCP {
			t.Errorf("initialize asked for %q, want %q", p.ProtocolVersion, legacyMCP)
		}
	}
	callSessions := map[string]bool{}
	deleted := map[string]bool{}
	opened := map[string]bool{}
	for _, e := range recordedEvents(events, "http", "") {
		h := http.Header(e.Header)
		sid := h.Get("Mcp-Session-Id")
		if sid != "" {
			opened[sid] = true
		}
		if e.Method == http.MethodDelete {
			deleted[sid] = true
		}
		if e.Method != http.MethodPost || e.RPC == "initialize" || e.RPC == "server/discover" {
			continue
		}
		if got := h.Get("Mcp-Protocol-Version"); got != legacyMCP {
			t.Errorf("POST %s: Mcp-Protocol-Version %q, want the negotiated %q", e.RPC, got, legacyMCP)
		}
		if sid == "" {
			t.Errorf("POST %s without a session id", e.RPC)
		}
		if e.RPC == "tools/call" {
			callSessions[sid] = true
		}
	}
	if len(callSessions) != 1 {
		t.Errorf("calls went over sessions %v, want one", callSessions)
	}
	for sid := range opened {
		if !callSessions[sid] && !deleted[sid] {
			t.Errorf("session %s carried no call and was left open", sid)
		}
	}
	if len(recordedEvents(events, "http", "")) > 0 && !slices.ContainsFunc(recordedEvents(events, "http", ""), func(e recorded) bool {
		return e.Method == http.MethodGet
	}) {
		t.Error("no standing GET stream: notifications the upstream sends unprompted cannot arrive")
	}
}

// An upstream whose command cannot be started stops `gatehouse serve`
// before it serves anything, with an exit status and a message naming the
// upstream.
func TestGatewayStartupFailsForAnUpstreamThatCannotStart(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	file := writeGatewayConfig(t, gatewayConfig{Upstreams: []upstreamConfig{{
		Name:  "ghost",
		Stdio: &stdioUpstream{Command: filepath.Join(t.TempDir(), "no-such-command")},
	}}})
	out, err := runToExit(t, 15*time.Second,
		"GATEHOUSE_CONFIG="+file,
		keysEnv(t),
		"GATEHOUSE_SERVER__LISTEN=127.0.0.1:"+strconv.Itoa(port),
		"GATEHOUSE_SERVER__BASE_URL=http://127.0.0.1:"+strconv.Itoa(port),
	)
	t.Logf("gatehouse serve: %v\n%s", err, out)
	if err == nil {
		t.Fatal("gatehouse serve exited 0 with an upstream that cannot start")
	}
	if !strings.Contains(out, `upstream "ghost"`) {
		t.Errorf("the output does not name upstream \"ghost\"")
	}
	if strings.Contains(out, "listening on") {
		t.Errorf("gatehouse listened before its upstream was connected")
	}
}
