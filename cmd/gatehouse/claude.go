package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"gatehouse/config"
	"gatehouse/domain"
)

const claudeUsage = `Usage: gatehouse config claude [flags]

Prints the Claude Desktop "mcpServers" entry for this server, or merges it
into Claude Desktop's configuration file with --write. Run on a terminal
without any flag, it asks for the choices instead.

A stdio entry runs this executable ("gatehouse stdio"); --config and the
other configuration flags given here are passed on to it. A --remote entry
runs "npx -y mcp-remote URL", which performs the OAuth flow against the
server's discovery documents.

Tokens: Claude Desktop does not expand variables, so a stdio entry holds its
access token in "env". A printed entry carries the --token value or a
placeholder, never a token found in the environment; --write also takes
GATEHOUSE_TOKEN or M3_OAUTH2_TOKEN from the environment, because the file
(mode 0600 when created) is where Claude Desktop needs it.

--write merges the entry into the file: every other server and every other
top-level key is kept as it was, the previous content is saved to FILE.bak,
and the file is replaced atomically. A file that is not a JSON object is
refused and left unchanged.

Flags:
`

// claudeOptions are the choices an entry is built from: the flags, or the
// answers to the interactive questions.
type claudeOptions struct {
	name     string
	remote   bool
	url      string
	token    string // from --token only: the one token that may be printed
	oauth    bool
	issuer   string
	audience string
	scopes   []string
	write    bool
	file     string
}

// claudeEntry is one value of Claude Desktop's mcpServers object.
type claudeEntry struct {
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
}

// runConfig handles `gatehouse config claude`.
func runConfig(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return configClaude(ctx, args, env, stdin, interactiveInput(stdin), stdout, stderr)
}

// configClaude is runConfig with the terminal decision made by the caller,
// so tests can answer the questions from a string.
func configClaude(_ context.Context, args, env []string, in io.Reader, interactive bool, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "claude" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprintln(stdout, "Usage: gatehouse config claude [flags]   (see gatehouse config claude --help)")
			return nil
		}
		return errors.New("usage: gatehouse config claude [flags] (see --help)")
	}
	fs := config.Flags()
	var o claudeOptions
	fs.StringVar(&o.name, "name", "gatehouse", "key of the entry under mcpServers")
	fs.BoolVar(&o.remote, "remote", false, "connect to the HTTP server through mcp-remote instead of running stdio")
	fs.StringVar(&o.url, "url", "", "with --remote: the MCP URL (default: server.base_url + /mcp)")
	fs.StringVar(&o.token, "token", "", "stdio: access token for the entry's GATEHOUSE_TOKEN (see Tokens)")
	fs.BoolVar(&o.oauth, "enable-oauth2", false, "stdio: validate tokens from an external issuer (M3_OAUTH2_* in the entry)")
	fs.StringVar(&o.issuer, "oauth2-issuer", "", "with --enable-oauth2: issuer URL (required)")
	fs.StringVar(&o.audience, "oauth2-audience", "", "with --enable-oauth2: audience tokens must carry")
	scopes := fs.String("oauth2-scopes", "", `with --enable-oauth2: required scopes, comma or space separated ("read,write")`)
	fs.BoolVar(&o.write, "write", false, "merge the entry into Claude Desktop's configuration file instead of printing it")
	fileHelp := "file for --write (implies --write)"
	if p, err := claudeConfigPath(); err == nil {
		fileHelp += "; default " + p
	}
	fs.StringVar(&o.file, "file", "", fileHelp)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprint(stdout, claudeUsage+fs.FlagUsages())
			return nil
		}
		return fmt.Errorf("config claude: %w (see --help)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config claude: unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.scopes, err = claudeScopes(*scopes); err != nil {
		return err
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if len(args) == 1 && interactive {
		if err := askClaude(&o, cfg.MCPURL(), bufio.NewReader(in), stderr); err != nil {
			return err
		}
	}
	if o.file != "" {
		o.write = true
	}
	if err := o.check(fs); err != nil {
		return err
	}

	var entry claudeEntry
	if o.remote {
		u := cmp.Or(o.url, cfg.MCPURL())
		if pu, err := url.Parse(u); err == nil && pu.Scheme == "http" && !loopbackHost(pu.Hostname()) {
			fmt.Fprintln(stderr, "note: mcp-remote refuses plain http:// URLs except on localhost")
		}
		entry = claudeEntry{Command: "npx", Args: []string{"-y", "mcp-remote", u}}
	} else {
		if entry, err = stdioEntry(o, fs, env, stderr); err != nil {
			return err
		}
		// The entry's own variables must give a configuration the server
		// accepts; finding out when Claude Desktop starts it is too late.
		if _, err := config.LoadFlagSet(fs, append(slices.Clone(env), oauthEnv(o)...)); err != nil {
			return fmt.Errorf("the entry's configuration would be refused:\n%w", err)
		}
	}

	if !o.write {
		return writeJSON(stdout, map[string]map[string]claudeEntry{"mcpServers": {o.name: entry}}, "")
	}
	file := o.file
	if file == "" {
		if file, err = claudeConfigPath(); err != nil {
			return fmt.Errorf("config claude: no default configuration file (use --file): %w", err)
		}
	}
	backup, err := mergeClaudeFile(file, o.name, entry)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote mcpServers entry %q to %s\n", o.name, file)
	if backup != "" {
		fmt.Fprintf(stdout, "Previous content saved to %s\n", backup)
	}
	fmt.Fprintln(stdout, "Restart Claude Desktop to load it.")
	return nil
}

// check refuses combinations that would silently drop a choice.
func (o claudeOptions) check(fs *pflag.FlagSet) error {
	changed := func(name string) bool { return fs.Lookup(name).Changed }
	if strings.TrimSpace(o.name) == "" {
		return errors.New("config claude: --name must not be empty")
	}
	if o.remote {
		for _, f := range []string{"token", "enable-oauth2", "oauth2-issuer", "oauth2-audience", "oauth2-scopes"} {
			if changed(f) {
				return fmt.Errorf("config claude: --%s applies to stdio entries; with --remote, mcp-remote obtains its token through the server's OAuth flow", f)
			}
		}
		if o.url != "" {
			if err := checkClaudeURL(o.url); err != nil {
				return fmt.Errorf("config claude: --url: %w", err)
			}
		}
		return nil
	}
	if changed("url") || o.url != "" {
		return errors.New("config claude: --url requires --remote")
	}
	if changed("token") && strings.TrimSpace(o.token) == "" {
		return errors.New("config claude: --token must not be empty")
	}
	if !o.oauth {
		for _, f := range []string{"oauth2-issuer", "oauth2-audience", "oauth2-scopes"} {
			if changed(f) {
				return fmt.Errorf("config claude: --%s requires --enable-oauth2", f)
			}
		}
		return nil
	}
	if o.issuer == "" {
		return errors.New("config claude: --enable-oauth2 requires --oauth2-issuer URL")
	}
	if err := checkClaudeURL(o.issuer); err != nil {
		return fmt.Errorf("config claude: --oauth2-issuer: %w", err)
	}
	return nil
}

// stdioEntry runs this executable in stdio mode with the configuration this
// command was given, so the entry serves what was validated here.
func stdioEntry(o claudeOptions, fs *pflag.FlagSet, env []string, stderr io.Writer) (claudeEntry, error) {
	bin, err := os.Executable()
	if err != nil {
		return claudeEntry{}, fmt.Errorf("config claude: locate this executable: %w", err)
	}
	if strings.Contains(bin, "go-build") {
		fmt.Fprintln(stderr, "note: "+bin+" is a temporary `go run` binary; build or install gatehouse and run this command with it")
	}
	args := []string{"stdio"}
	// Claude Desktop starts servers in a directory of its own and without
	// this shell's variables: the file goes in as an absolute path.
	file := environValue(env, "GATEHOUSE_CONFIG")
	if f := fs.Lookup("config"); f.Changed {
		file = f.Value.String()
	}
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return claudeEntry{}, fmt.Errorf("config claude: --config: %w", err)
		}
		args = append(args, "--config", abs)
	}
	config.Flags().VisitAll(func(common *pflag.Flag) {
		if f := fs.Lookup(common.Name); common.Name != "config" && f.Changed {
			args = append(args, "--"+f.Name+"="+f.Value.String())
		}
	})

	vars := map[string]string{}
	for _, kv := range oauthEnv(o) {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	switch {
	case o.token != "":
		vars["GATEHOUSE_TOKEN"] = strings.TrimSpace(o.token)
	case o.write && claudeEnvToken(env) != "":
		vars["GATEHOUSE_TOKEN"] = claudeEnvToken(env)
		fmt.Fprintln(stderr, "note: GATEHOUSE_TOKEN in the entry is the token from this environment")
	default:
		vars["GATEHOUSE_TOKEN"] = tokenPlaceholder(o)
		if o.write {
			fmt.Fprintln(stderr, "note: GATEHOUSE_TOKEN in the entry is a placeholder: replace it with an access token, or run again with --token")
		}
	}
	return claudeEntry{Command: bin, Args: args, Env: vars}, nil
}

// oauthEnv is the M3 seed's variables that make stdio validate tokens from
// an external issuer, as KEY=value.
func oauthEnv(o claudeOptions) []string {
	if !o.oauth {
		return nil
	}
	out := []string{"M3_OAUTH2_ENABLED=true", "M3_OAUTH2_ISSUER_URL=" + o.issuer}
	if o.audience != "" {
		out = append(out, "M3_OAUTH2_AUDIENCE="+o.audience)
	}
	if len(o.scopes) > 0 {
		out = append(out, "M3_OAUTH2_REQUIRED_SCOPES="+strings.Join(o.scopes, ","))
	}
	return out
}

func tokenPlaceholder(o claudeOptions) string {
	if o.oauth {
		return "<access token issued by " + o.issuer + ">"
	}
	return "<access token: run gatehouse token --sub YOU --scope read>"
}

// claudeEnvToken is the token stdio mode would read from this environment:
// GATEHOUSE_TOKEN, else M3_OAUTH2_TOKEN.
func claudeEnvToken(env []string) string {
	if t := strings.TrimSpace(environValue(env, "GATEHOUSE_TOKEN")); t != "" {
		return t
	}
	return strings.TrimSpace(environValue(env, "M3_OAUTH2_TOKEN"))
}

// environValue reads a variable from an os.Environ-style list; the last wins.
func environValue(env []string, name string) string {
	var v string
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, name+"="); ok {
			v = s
		}
	}
	return v
}

// claudeScopes splits a comma- or space-separated scope list, drops
// duplicates, and refuses anything that is not an RFC 6749 scope token.
func claudeScopes(s string) ([]string, error) {
	var out []string
	for _, sc := range strings.Fields(strings.ReplaceAll(s, ",", " ")) {
		if !domain.ValidScopeToken(sc) {
			return nil, fmt.Errorf("config claude: --oauth2-scopes: %q is not a valid OAuth scope token", sc)
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// checkClaudeURL accepts an absolute http(s) URL. It does not echo the value:
// URLs may carry credentials.
func checkClaudeURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must be an absolute http:// or https:// URL")
	case u.Host == "":
		return errors.New("must name a host")
	case u.Fragment != "" || strings.Contains(s, "#"):
		return errors.New("must not have a fragment")
	}
	return nil
}

func loopbackHost(host string) bool {
	return host == "localhost" || host == "::1" || strings.HasPrefix(host, "127.")
}

// claudeConfigPath is Claude Desktop's configuration file: under
// ~/Library/Application Support on macOS, $XDG_CONFIG_HOME (or ~/.config)
// on Linux, %APPDATA% on Windows — exactly os.UserConfigDir.
func claudeConfigPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "Claude", "claude_desktop_config.json"), nil
}

// writeJSON writes v indented, with every line after the first starting
// with prefix. HTML escaping is off: "<" in a placeholder stays readable.
func writeJSON(w io.Writer, v any, prefix string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	return enc.Encode(v)
}

func jsonBytes(v any, prefix string) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, v, prefix); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
