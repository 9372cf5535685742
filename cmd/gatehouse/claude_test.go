package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// claudeRun runs `gatehouse config claude ARGS` without a terminal.
func claudeRun(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	return claudeRunInput(t, env, "", false, args...)
}

func claudeRunInput(t *testing.T, env []string, input string, interactive bool, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errb bytes.Buffer
	err = configClaude(t.Context(), append([]string{"claude"}, args...), env, strings.NewReader(input), interactive, &out, &errb)
	return out.String(), errb.String(), err
}

// printedEntries parses the printed {"mcpServers": {…}} document.
func printedEntries(t *testing.T, stdout string) map[string]claudeEntry {
	t.Helper()
	var doc struct {
		MCPServers map[string]claudeEntry `json:"mcpServers"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not an mcpServers document: %v\n%s", err, stdout)
	}
	return doc.MCPServers
}

func onlyEntry(t *testing.T, stdout, name string) claudeEntry {
	t.Helper()
	entries := printedEntries(t, stdout)
	e, ok := entries[name]
	if !ok || len(entries) != 1 {
		t.Fatalf("got entries %v, want exactly %q", slices.Collect(maps.Keys(entries)), name)
	}
	return e
}

func executable(t *testing.T) string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestConfigClaudePrintsStdioEntryWithPlaceholderForEnvironmentToken(t *testing.T) {
	env := []string{"GATEHOUSE_TOKEN=env-secret-token"}
	stdout, stderr, err := claudeRun(t, env)
	if err != nil {
		t.Fatal(err)
	}
	got := onlyEntry(t, stdout, "gatehouse")
	want := claudeEntry{
		Command: executable(t),
		Args:    []string{"stdio"},
		Env:     map[string]string{"GATEHOUSE_TOKEN": "<access token: run gatehouse token --sub YOU --scope read>"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if strings.Contains(stdout+stderr, "env-secret-token") {
		t.Error("a token from the environment was printed")
	}
	if !strings.Contains(stdout, `"<access token`) {
		t.Errorf("placeholder is HTML-escaped in the output:\n%s", stdout)
	}
}

func TestConfigClaudeStdioEntryCarriesTokenFlagAndAbsoluteConfig(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "gatehouse.yaml"), []byte("dev: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	stdout, stderr, err := claudeRun(t, nil, "--config", "gatehouse.yaml", "--store", "memory", "--token", "tok-123")
	if err != nil {
		t.Fatal(err)
	}
	got := onlyEntry(t, stdout, "gatehouse")
	wantArgs := []string{"stdio", "--config", filepath.Join(dir, "gatehouse.yaml"), "--store=memory"}
	if diff := cmp.Diff(wantArgs, got.Args); diff != "" {
		t.Errorf("args (-want +got):\n%s", diff)
	}
	if got.Env["GATEHOUSE_TOKEN"] != "tok-123" {
		t.Errorf("GATEHOUSE_TOKEN = %q, want the --token value", got.Env["GATEHOUSE_TOKEN"])
	}
	if strings.Contains(stderr, "tok-123") {
		t.Error("the token was written to stderr")
	}
}

func TestConfigClaudePrintsRemoteEntry(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"configured MCP URL", []string{"--remote"}, []string{"-y", "mcp-remote", "http://localhost:8000/mcp"}},
		{"--url overrides", []string{"--remote", "--url", "https://gw.example.com/mcp"}, []string{"-y", "mcp-remote", "https://gw.example.com/mcp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := claudeRun(t, []string{"GATEHOUSE_TOKEN=env-secret-token"}, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			want := claudeEntry{Command: "npx", Args: tt.want}
			if diff := cmp.Diff(want, onlyEntry(t, stdout, "gatehouse")); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
			if strings.Contains(stdout, `"env"`) {
				t.Errorf("remote entry has an env:\n%s", stdout)
			}
		})
	}
}

func TestConfigClaudeEnableOAuth2PutsM3VariablesInEntry(t *testing.T) {
	stdout, _, err := claudeRun(t, nil,
		"--enable-oauth2", "--oauth2-issuer", "https://idp.example.com/realms/m3",
		"--oauth2-audience", "api://gatehouse", "--oauth2-scopes", "read, write read  mcp:tools",
		"--token", "tok-456")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"M3_OAUTH2_ENABLED":         "true",
		"M3_OAUTH2_ISSUER_URL":      "https://idp.example.com/realms/m3",
		"M3_OAUTH2_AUDIENCE":        "api://gatehouse",
		"M3_OAUTH2_REQUIRED_SCOPES": "read,write,mcp:tools",
		"GATEHOUSE_TOKEN":           "tok-456",
	}
	if diff := cmp.Diff(want, onlyEntry(t, stdout, "gatehouse").Env); diff != "" {
		t.Errorf("env (-want +got):\n%s", diff)
	}
}

func TestConfigClaudeRefusalsNameTheFlag(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"oauth2 without issuer", []string{"--enable-oauth2"}, "--oauth2-issuer"},
		{"issuer not a URL", []string{"--enable-oauth2", "--oauth2-issuer", "idp.example.com"}, "--oauth2-issuer"},
		{"scope with a quote", []string{"--enable-oauth2", "--oauth2-issuer", "https://idp.example.com", "--oauth2-scopes", `read "write"`}, "--oauth2-scopes"},
		{"scope with a backslash", []string{"--enable-oauth2", "--oauth2-issuer", "https://idp.example.com", "--oauth2-scopes", `a\b`}, "--oauth2-scopes"},
		{"issuer without --enable-oauth2", []string{"--oauth2-issuer", "https://idp.example.com"}, "--enable-oauth2"},
		{"token with --remote", []string{"--remote", "--token", "x"}, "--token"},
		{"oauth2 with --remote", []string{"--remote", "--enable-oauth2", "--oauth2-issuer", "https://idp.example.com"}, "--enable-oauth2"},
		{"--url without --remote", []string{"--url", "https://gw.example.com/mcp"}, "--remote"},
		{"--url not http", []string{"--remote", "--url", "ftp://gw.example.com/mcp"}, "--url"},
		{"empty name", []string{"--name", " "}, "--name"},
		{"empty token", []string{"--token", ""}, "--token"},
		{"stray argument", []string{"desktop"}, `"desktop"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := claudeRun(t, nil, tt.args...)
			if err == nil {
				t.Fatalf("accepted %q, printed:\n%s", tt.args, stdout)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s", err, tt.want)
			}
			if stdout != "" {
				t.Errorf("printed an entry on refusal:\n%s", stdout)
			}
		})
	}
}

func TestConfigClaudeNameIsTheMCPServersKey(t *testing.T) {
	stdout, _, err := claudeRun(t, nil, "--name", "work-tools", "--remote")
	if err != nil {
		t.Fatal(err)
	}
	onlyEntry(t, stdout, "work-tools")
}

const existingClaudeConfig = `{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me"]},
    "gatehouse": {"command": "/old/gatehouse", "args": ["stdio"]},
    "weather": {
      "command": "weather-mcp",
      "env": { "API_KEY": "k-1" }
    }
  },
  "preferences": {"theme": "dark",   "beta": [1, 2.50, true]}
}
`

func TestConfigClaudeWriteMergesIntoExistingFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "claude_desktop_config.json")
	if err := os.WriteFile(file, []byte(existingClaudeConfig), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o640); err != nil { // whatever the umask
		t.Fatal(err)
	}
	stdout, stderr, err := claudeRun(t, nil, "--write", "--file", file, "--token", "tok-789")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, file) || !strings.Contains(stdout, `"gatehouse"`) {
		t.Errorf("output does not name the file and the entry:\n%s", stdout)
	}
	if strings.Contains(stdout+stderr, "tok-789") {
		t.Error("the token was printed")
	}

	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Untouched values keep their exact bytes, spacing included.
	for _, raw := range []string{
		`{"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me"]}`,
		"{\n      \"command\": \"weather-mcp\",\n      \"env\": { \"API_KEY\": \"k-1\" }\n    }",
		`{"theme": "dark",   "beta": [1, 2.50, true]}`,
		`"Ctrl+Space"`,
	} {
		if !bytes.Contains(got, []byte(raw)) {
			t.Errorf("value %s not preserved byte for byte in:\n%s", raw, got)
		}
	}
	if bytes.Contains(got, []byte("/old/gatehouse")) {
		t.Error("the previous gatehouse entry was kept")
	}
	if i, j, k := bytes.Index(got, []byte(`"globalShortcut"`)), bytes.Index(got, []byte(`"mcpServers"`)), bytes.Index(got, []byte(`"preferences"`)); i >= j || j >= k {
		t.Errorf("top-level keys reordered:\n%s", got)
	}

	var doc struct {
		MCPServers map[string]json.RawMessage `json:"mcpServers"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatalf("written file is not JSON: %v\n%s", err, got)
	}
	if diff := cmp.Diff([]string{"files", "gatehouse", "weather"}, slices.Sorted(maps.Keys(doc.MCPServers))); diff != "" {
		t.Errorf("servers (-want +got):\n%s", diff)
	}
	var entry claudeEntry
	if err := json.Unmarshal(doc.MCPServers["gatehouse"], &entry); err != nil {
		t.Fatal(err)
	}
	want := claudeEntry{Command: executable(t), Args: []string{"stdio"}, Env: map[string]string{"GATEHOUSE_TOKEN": "tok-789"}}
	if diff := cmp.Diff(want, entry); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}

	bak, err := os.ReadFile(file + ".bak")
	if err != nil {
		t.Fatalf("no backup: %v", err)
	}
	if string(bak) != existingClaudeConfig {
		t.Errorf("backup differs from the previous content:\n%s", bak)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after write = %v (%v), want 0640 kept", fi.Mode().Perm(), err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*.tmp")); len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}

func TestConfigClaudeWriteRefusesFileThatIsNotAnObject(t *testing.T) {
	tests := []struct{ name, content string }{
		{"array", `[{"mcpServers": {}}]`},
		{"not JSON", "mcpServers: {}\n"},
		{"null", "null"},
		{"mcpServers is a list", `{"mcpServers": ["gatehouse"]}`},
		{"trailing data", `{"mcpServers": {}} {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "claude_desktop_config.json")
			if err := os.WriteFile(file, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := claudeRun(t, nil, "--file", file)
			if err == nil || !strings.Contains(err.Error(), "not changed") {
				t.Fatalf("got error %v, want a refusal saying the file was not changed", err)
			}
			if got, _ := os.ReadFile(file); string(got) != tt.content {
				t.Errorf("file changed to:\n%s", got)
			}
			if _, err := os.Stat(file + ".bak"); !os.IsNotExist(err) {
				t.Errorf("backup written for a refused file (stat: %v)", err)
			}
		})
	}
}

// claudeHome points the user configuration directory into a temporary one
// and returns Claude Desktop's file path there.
func claudeHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("APPDATA", filepath.Join(home, "AppData"))
	dir, err := os.UserConfigDir()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(dir, home) {
		t.Fatalf("user config dir %s is not under the temporary home", dir)
	}
	return filepath.Join(dir, "Claude", "claude_desktop_config.json")
}

func TestConfigClaudeWriteCreatesDefaultFileWithEnvironmentToken(t *testing.T) {
	file := claudeHome(t)
	stdout, stderr, err := claudeRun(t, []string{"M3_OAUTH2_TOKEN=env-secret-token"}, "--write")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout, file) {
		t.Errorf("output does not name %s:\n%s", file, stdout)
	}
	if strings.Contains(stdout+stderr, "env-secret-token") {
		t.Error("the token was printed")
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	e := onlyEntry(t, string(got), "gatehouse")
	if e.Env["GATEHOUSE_TOKEN"] != "env-secret-token" {
		t.Errorf("GATEHOUSE_TOKEN = %q, want the environment's token in the written file", e.Env["GATEHOUSE_TOKEN"])
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode = %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	if _, err := os.Stat(file + ".bak"); !os.IsNotExist(err) {
		t.Errorf("backup written although there was no previous file (stat: %v)", err)
	}
}

func TestConfigClaudeInteractiveAnswersBuildTheEntry(t *testing.T) {
	file := claudeHome(t)
	answers := strings.Join([]string{
		"carrier pigeon", // refused, asked again
		"stdio",
		"y",
		"not a url", // refused, asked again
		"https://idp.example.com",
		"api://gatehouse",
		"read write,read",
		"y",
	}, "\n") + "\n"
	stdout, stderr, err := claudeRunInput(t, nil, answers, true)
	if err != nil {
		t.Fatalf("%v\nprompts:\n%s", err, stderr)
	}
	if !strings.Contains(stdout, file) {
		t.Errorf("output does not name %s:\n%s", file, stdout)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := claudeEntry{
		Command: executable(t),
		Args:    []string{"stdio"},
		Env: map[string]string{
			"M3_OAUTH2_ENABLED":         "true",
			"M3_OAUTH2_ISSUER_URL":      "https://idp.example.com",
			"M3_OAUTH2_AUDIENCE":        "api://gatehouse",
			"M3_OAUTH2_REQUIRED_SCOPES": "read,write",
			"GATEHOUSE_TOKEN":           "<access token issued by https://idp.example.com>",
		},
	}
	if diff := cmp.Diff(want, onlyEntry(t, string(got), "gatehouse")); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
	if n := strings.Count(stderr, "Issuer URL: "); n != 2 {
		t.Errorf("issuer asked %d times, want 2 (once more after the refused answer):\n%s", n, stderr)
	}
}

func TestConfigClaudeInteractiveRemotePrintsByDefault(t *testing.T) {
	claudeHome(t)
	stdout, _, err := claudeRunInput(t, nil, "remote\n\n\n", true)
	if err != nil {
		t.Fatal(err)
	}
	want := claudeEntry{Command: "npx", Args: []string{"-y", "mcp-remote", "http://localhost:8000/mcp"}}
	if diff := cmp.Diff(want, onlyEntry(t, stdout, "gatehouse")); diff != "" {
		t.Errorf("entry (-want +got):\n%s", diff)
	}
}

func TestConfigClaudeInteractiveFailsWhenInputEnds(t *testing.T) {
	claudeHome(t)
	stdout, _, err := claudeRunInput(t, nil, "stdio\ny\n", true)
	if err == nil || !strings.Contains(err.Error(), "input ended") {
		t.Fatalf("got %v, want an error about the input ending", err)
	}
	if stdout != "" {
		t.Errorf("printed an entry from unfinished answers:\n%s", stdout)
	}
}

func TestConfigClaudeAsksOnlyWithoutFlags(t *testing.T) {
	stdout, stderr, err := claudeRunInput(t, nil, "", true, "--name", "quiet")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr, "Connect over") {
		t.Errorf("asked although a flag was given:\n%s", stderr)
	}
	onlyEntry(t, stdout, "quiet")
}

func TestConfigClaudeHelpListsEveryFlag(t *testing.T) {
	stdout, _, err := claudeRun(t, nil, "--help")
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, f := range []string{"--name", "--remote", "--url", "--token", "--enable-oauth2", "--oauth2-issuer",
		"--oauth2-audience", "--oauth2-scopes", "--write", "--file", "--config", "--base-url"} {
		if !strings.Contains(stdout, f) {
			t.Errorf("help does not mention %s", f)
		}
	}
}

func TestInteractiveInputIsNeverDevNull(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	if interactiveInput(null) {
		t.Error("/dev/null counted as a terminal")
	}
	if interactiveInput(strings.NewReader("stdio\n")) {
		t.Error("a string reader counted as a terminal")
	}
}
