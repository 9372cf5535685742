package config

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"
)

func TestPrecedence(t *testing.T) {
	file := writeYAML(t, `
server:
  listen: 127.0.0.1:1111
  base_url: http://localhost:1111
store:
  driver: memory
log:
  level: warn
`)
	type view struct{ Listen, BaseURL, Driver, Level string }
	tests := []struct {
		name string
		args []string
		env  []string
		want view
	}{
		{
			name: "defaults",
			want: view{"127.0.0.1:8000", "http://localhost:8000", "memory", "info"},
		},
		{
			name: "yaml over defaults",
			args: []string{"--config", file},
			want: view{"127.0.0.1:1111", "http://localhost:1111", "memory", "warn"},
		},
		{
			name: "env over yaml",
			args: []string{"--config", file},
			env:  []string{"GATEHOUSE_SERVER__LISTEN=127.0.0.1:2222", "GATEHOUSE_LOG__LEVEL=error"},
			want: view{"127.0.0.1:2222", "http://localhost:1111", "memory", "error"},
		},
		{
			name: "flags over env",
			args: []string{"--config", file, "--listen", "127.0.0.1:0", "--base-url", "http://127.0.0.1:3333",
				"--store", "memory", "--log-level", "debug"},
			env:  []string{"GATEHOUSE_SERVER__LISTEN=127.0.0.1:2222", "GATEHOUSE_LOG__LEVEL=error"},
			want: view{"127.0.0.1:0", "http://127.0.0.1:3333", "memory", "debug"},
		},
		{
			name: "flag over env store",
			args: []string{"--store=memory"},
			env:  []string{"GATEHOUSE_STORE__DRIVER=postgres"},
			want: view{"127.0.0.1:8000", "http://localhost:8000", "memory", "info"},
		},
		{
			name: "last duplicate env entry wins",
			env:  []string{"GATEHOUSE_LOG__LEVEL=error", "GATEHOUSE_LOG__LEVEL=warn"},
			want: view{"127.0.0.1:8000", "http://localhost:8000", "memory", "warn"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, tt.args, tt.env)
			got := view{c.Server.Listen, c.Server.BaseURL, c.Store.Driver, c.Log.Level}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigFlagBeatsConfigEnv(t *testing.T) {
	byFlag := writeYAML(t, "log: {level: warn}\n")
	byEnv := writeYAML(t, "log: {level: error}\n")
	c := mustLoad(t, []string{"--config", byFlag}, []string{"GATEHOUSE_CONFIG=" + byEnv})
	if c.Log.Level != "warn" {
		t.Errorf("log.level = %q, want warn (from the --config file)", c.Log.Level)
	}
}

func TestEnvValues(t *testing.T) {
	tests := []struct {
		name  string
		env   string
		check func(Config) any
		want  any
	}{
		{"nested", "GATEHOUSE_STORE__POSTGRES__AUTO_MIGRATE=false",
			func(c Config) any { return c.Store.Postgres.AutoMigrate }, false},
		{"deep duration", "GATEHOUSE_AUTH__BUILTIN__ACCESS_TOKEN_TTL=5m",
			func(c Config) any { return c.Auth.Builtin.AccessTokenTTL }, 5 * time.Minute},
		{"duration in seconds", "GATEHOUSE_RATELIMIT__WINDOW=3600",
			func(c Config) any { return c.RateLimit.Window }, time.Hour},
		{"integer", "GATEHOUSE_SESSIONS__MAX_PER_USER=3",
			func(c Config) any { return c.Sessions.MaxPerUser }, 3},
		{"list", "GATEHOUSE_TOOLS__DEFAULT_SCOPES=read, write",
			func(c Config) any { return c.Tools.DefaultScopes }, []string{"read", "write"}},
		{"empty list", "GATEHOUSE_TOOLS__DEFAULT_SCOPES=",
			func(c Config) any { return len(c.Tools.DefaultScopes) }, 0},
		{"upper-case name lowered", "GATEHOUSE_AUTH__BUILTIN__SIGNING_ALG=RS256",
			func(c Config) any { return c.Auth.Builtin.SigningAlg }, "RS256"},
		{"secret", "GATEHOUSE_AUTH__BUILTIN__REGISTRATION__TOKEN=tok",
			func(c Config) any { return c.Auth.Builtin.Registration.Token.Reveal() }, "tok"},
		{"map entry replaces the map", "GATEHOUSE_TOOLS__IMPLICATIONS__ADMIN=read,write",
			func(c Config) any { return c.Tools.Implications }, map[string][]string{"admin": {"read", "write"}}},
		{"foreign variables ignored", "GATEHOUSE_TOKEN=abc",
			func(c Config) any { return c.Log.Level }, "info"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, nil, []string{tt.env})
			if diff := cmp.Diff(tt.want, tt.check(c)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.env, diff)
			}
		})
	}
}

func TestEnvErrors(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want []string
	}{
		{"typo in nested key", "GATEHOUSE_STORE__DRIVR=redis",
			[]string{"store.drivr: unknown key", "GATEHOUSE_STORE__DRIVR"}},
		{"unknown section", "GATEHOUSE_STOR__DRIVER=redis", []string{"stor: unknown key"}},
		{"section as value", "GATEHOUSE_LOG=debug", []string{"log: is a section"}},
		{"list of entries", "GATEHOUSE_UPSTREAMS__NAME=x", []string{"upstreams: lists of entries"}},
		{"bad boolean", "GATEHOUSE_DEV=maybe", []string{"dev: invalid boolean", "GATEHOUSE_DEV"}},
		{"bad integer", "GATEHOUSE_RATELIMIT__REQUESTS=many", []string{"ratelimit.requests: invalid integer"}},
		{"bad duration", "GATEHOUSE_SESSIONS__TTL=soon", []string{"sessions.ttl: invalid duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, []string{tt.env})
			wantErr(t, err, tt.want...)
		})
	}
}

func TestYAMLValues(t *testing.T) {
	file := writeYAML(t, `
auth:
  builtin:
    access_token_ttl: 5m
    code_ttl: 30
    users:
      - {username: carol, password: pw, scopes: [read]}
ratelimit:
  window: "120"
tools:
  implications:
    write: [read]
  policy:
    - {match: "db_*", scopes: [write]}
upstreams:
  - name: everything
    stdio: {command: node, args: [server.js], env: {LOG_LEVEL: info}}
  - name: bare
    prefix: ""
    timeout: 5s
    max_concurrency: 2
    lazy: true
    http: {url: "https://u.example/mcp", headers: {X-Tenant: t1}}
`)
	c := mustLoad(t, []string{"--config", file}, nil)
	got := []any{
		c.Auth.Builtin.AccessTokenTTL, c.Auth.Builtin.CodeTTL, c.RateLimit.Window,
		c.Tools.Implications, c.Tools.Policy, c.Auth.Builtin.Users[0].Password.Reveal(),
		c.Upstreams[0].Stdio.Env, c.Upstreams[0].HTTP == nil,
		c.Upstreams[0].ToolPrefix(), c.Upstreams[0].CallTimeout(), c.Upstreams[0].Concurrency(),
		c.Upstreams[1].ToolPrefix(), c.Upstreams[1].CallTimeout(), c.Upstreams[1].Concurrency(),
		c.Upstreams[1].Lazy, c.Upstreams[1].HTTP.Headers,
	}
	want := []any{
		5 * time.Minute, 30 * time.Second, 2 * time.Minute,
		map[string][]string{"write": {"read"}}, []ToolRule{{Match: "db_*", Scopes: []string{"write"}}}, "pw",
		map[string]string{"LOG_LEVEL": "info"}, true,
		"everything_", time.Minute, 8,
		"", 5 * time.Second, 2,
		true, map[string]string{"X-Tenant": "t1"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestYAMLEmptySectionKeepsDefaults(t *testing.T) {
	file := writeYAML(t, "server:\n#  listen: 0.0.0.0:80\nauth:\n  builtin:\n    issuer: ~\n")
	c := mustLoad(t, []string{"--config", file}, nil)
	if c.Server.Listen != "127.0.0.1:8000" || c.Auth.Builtin.AccessTokenTTL != 15*time.Minute {
		t.Errorf("listen %q, access_token_ttl %v: want the defaults", c.Server.Listen, c.Auth.Builtin.AccessTokenTTL)
	}
}

func TestYAMLErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string
	}{
		{"unknown top-level key", "dve: true\n", []string{"dve: unknown key"}},
		{"unknown nested key", "server: {listn: ':80'}\n", []string{"server.listn: unknown key"}},
		{"unknown key in list entry", "upstreams: [{name: a, stdoi: {command: x}}]\n",
			[]string{"upstreams[0].stdoi: unknown key"}},
		{"unknown key in pointer section", "upstreams: [{name: a, stdio: {comand: x}}]\n",
			[]string{"upstreams[0].stdio.comand: unknown key"}},
		{"every unknown key", "a: 1\nb: 2\n", []string{"a: unknown key", "b: unknown key"}},
		{"bad duration", "sessions: {ttl: soon}\n", []string{"sessions.ttl", "invalid duration"}},
		{"fractional seconds", "sessions: {ttl: 1.5}\n", []string{"sessions.ttl", "invalid duration"}},
		{"not YAML", "server: [\n", []string{"gatehouse.yaml"}},
		{"invalid value", "store: {driver: sqlite}\n", []string{"store.driver: must be one of"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]string{"--config", writeYAML(t, tt.yaml)}, nil)
			wantErr(t, err, tt.want...)
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load([]string{"--config", t.TempDir() + "/absent.yaml"}, nil)
	wantErr(t, err, "absent.yaml")
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"--lisen", ":80"}, "unknown flag: --lisen"},
		{"positional argument", []string{"serve"}, `unexpected argument "serve"`},
		{"missing value", []string{"--listen"}, "flag needs an argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, nil)
			wantErr(t, err, tt.want)
		})
	}
	if _, err := Load([]string{"--help"}, nil); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("Load(--help) = %v, want pflag.ErrHelp", err)
	}
}

func TestLoadFlagSetIgnoresForeignFlags(t *testing.T) {
	fs := Flags()
	name := fs.String("name", "", "a command's own flag")
	if err := fs.Parse([]string{"--name", "x", "--listen", "127.0.0.1:9"}); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFlagSet(fs, nil)
	if err != nil {
		t.Fatal(err)
	}
	if *name != "x" || c.Server.Listen != "127.0.0.1:9" {
		t.Errorf("got name %q listen %q, want x and 127.0.0.1:9", *name, c.Server.Listen)
	}
}

func TestBaseURLTrailingSlashStripped(t *testing.T) {
	c := mustLoad(t, []string{"--base-url", "http://localhost:8000/"}, nil)
	if c.Server.BaseURL != "http://localhost:8000" {
		t.Errorf("server.base_url = %q, want it without the trailing slash", c.Server.BaseURL)
	}
}

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{in: "15m", want: 15 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "3600", want: time.Hour},
		{in: " 60 ", want: time.Minute},
		{in: "0", want: 0},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "", wantErr: true},
		{in: "15", want: 15 * time.Second},
		{in: "fifteen", wantErr: true},
		{in: "99999999999999", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseDuration(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseDuration(%q) = (%v, %v), want (%v, error %v)", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestMapsAreReplacedWhole(t *testing.T) {
	file := writeYAML(t, "tools: {implications: {write: [read], owner: [admin]}}\n")
	tests := []struct {
		name string
		env  []string
		want map[string][]string
	}{
		{"yaml replaces the defaults", nil, map[string][]string{"write": {"read"}, "owner": {"admin"}}},
		{"env replaces the yaml map", []string{"GATEHOUSE_TOOLS__IMPLICATIONS__ADMIN=write"},
			map[string][]string{"admin": {"write"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustLoad(t, []string{"--config", file}, tt.env)
			if diff := cmp.Diff(tt.want, c.Tools.Implications); diff != "" {
				t.Errorf("tools.implications (-want +got):\n%s", diff)
			}
		})
	}
}
