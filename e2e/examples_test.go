package e2e

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatehouse/adapters/tools/account"
	"gatehouse/config"
	"gatehouse/domain"
)

// m3Seed is the M3 server's tool list (src/m3/mcp_server.py in
// rafiattrach/m3): every tool is guarded by require_oauth2, whose scope is
// M3_OAUTH2_REQUIRED_SCOPES, by default read:mimic-data (src/m3/auth.py).
var m3Seed = map[string]string{
	"get_database_schema":   "read:mimic-data",
	"get_table_info":        "read:mimic-data",
	"execute_mimic_query":   "read:mimic-data",
	"get_icu_stays":         "read:mimic-data",
	"get_lab_results":       "read:mimic-data",
	"get_race_distribution": "read:mimic-data",
}

// music21Seed is the scope table of the music21 server's remote mode
// (AuthenticatedMCPServer._setup_default_permissions in
// src/music21_mcp/auth/mcp_integration.py of
// brightlikethelight/music21-mcp-server).
var music21Seed = map[string]string{
	"list_scores":          "read",
	"get_score_info":       "read",
	"analyze_harmony":      "read",
	"analyze_key":          "read",
	"analyze_melody":       "read",
	"find_parallel_fifths": "read",
	"get_notation":         "read",
	"search_notes":         "read",
	"get_part_info":        "read",
	"import_score":         "write",
	"transpose_score":      "write",
	"extract_parts":        "write",
	"merge_scores":         "write",
	"harmonize_melody":     "write",
	"create_counterpoint":  "write",
	"imitate_style":        "write",
	"clear_cache":          "admin",
	"reset_server":         "admin",
}

// music21Exported are the names the music21 stdio server registers
// (src/music21_mcp/server.py, docs/MCP_TOOLS.md), which the seed's table
// does not name; the example gives each the scope of its counterpart there.
var music21Exported = map[string]string{
	"score_info":              "read",
	"key_analysis":            "read",
	"chord_analysis":          "read",
	"harmony_analysis":        "read",
	"voice_leading_analysis":  "read",
	"pattern_recognition":     "read",
	"export_score":            "read",
	"health_check":            "read",
	"delete_score":            "write",
	"harmonization":           "write",
	"counterpoint_generation": "write",
	"style_imitation":         "write",
	"cleanup_memory":          "admin",
}

// notByRule stands for a tool's annotation-derived scope: a tool that no
// rule names would need it, so a seed tool missing from an example's policy
// cannot pass for one that matches by accident.
const notByRule = "unlisted-upstream-tool"

// loadExample loads examples/<name> the way `gatehouse serve --config` does,
// with env as the whole environment.
func loadExample(t *testing.T, name string, args []string, env []string) config.Config {
	t.Helper()
	cfg, err := config.Load(append([]string{"--config", filepath.Join("..", "examples", name)}, args...), env)
	if err != nil {
		t.Fatalf("examples/%s does not load:\n%v", name, err)
	}
	return cfg
}

// examplePolicy is the policy cmd/gatehouse builds from cfg: the configured
// rules, then the built-in tools' own, with the gateway's annotation
// defaults behind them.
func examplePolicy(cfg config.Config) domain.ToolPolicy {
	rules := make([]domain.ToolRule, 0, len(cfg.Tools.Policy))
	for _, r := range cfg.Tools.Policy {
		rules = append(rules, domain.ToolRule{Match: r.Match, Scopes: domain.NewScopes(r.Scopes...)})
	}
	rules = append(rules, account.DefaultPolicy()...)
	return domain.ToolPolicy{
		Rules:        rules,
		Default:      domain.NewScopes(cfg.Tools.DefaultScopes...),
		Implications: domain.ScopeImplications(cfg.Tools.Implications),
		ToolDefaults: func(string) (domain.Scopes, bool) { return domain.NewScopes(notByRule), true },
	}
}

// checkTable asserts that every tool of the table needs exactly its scope.
func checkTable(t *testing.T, p domain.ToolPolicy, table map[string]string) {
	t.Helper()
	for _, tool := range slices.Sorted(maps.Keys(table)) {
		if got, want := p.Required(tool), domain.NewScopes(table[tool]); !slices.Equal(got, want) {
			t.Errorf("%s needs %q, the seed's table says %q", tool, got, want)
		}
	}
}

// checkUpstream asserts the example fronts one stdio server under its own
// tool names, none of which is taken by Gatehouse's own tools, and that
// those keep their scopes (a broad rule in the example would change them).
func checkUpstream(t *testing.T, cfg config.Config, tables ...map[string]string) config.Upstream {
	t.Helper()
	if len(cfg.Upstreams) != 1 {
		t.Fatalf("%d upstreams, want 1", len(cfg.Upstreams))
	}
	u := cfg.Upstreams[0]
	if u.Stdio == nil || u.HTTP != nil || u.Stdio.Command == "" {
		t.Errorf("upstream %q is not a stdio command: %+v", u.Name, u)
	}
	if u.Prefix == nil || u.ToolPrefix() != "" {
		t.Errorf("upstream %q exports under prefix %q, want the tools' own names", u.Name, u.ToolPrefix())
	}
	own := account.ToolNames()
	for _, table := range tables {
		for tool := range table {
			if slices.Contains(own, tool) {
				t.Errorf("%s is also a Gatehouse tool: start-up would stop", tool)
			}
		}
	}
	p := examplePolicy(cfg)
	bare := domain.ToolPolicy{Rules: account.DefaultPolicy()}
	for _, tool := range own {
		if got, want := p.Required(tool), bare.Required(tool); !slices.Equal(got, want) {
			t.Errorf("Gatehouse's %s needs %q under the example, %q without it", tool, got, want)
		}
	}
	return u
}

// examples/m3.yaml validates, puts M3 behind Gatehouse under its own tool
// names with read:mimic-data on every tool, asks the provider for that
// scope, keeps M3's own token check off, and validates in built-in mode too.
func TestExampleM3ReproducesTheSeedScopes(t *testing.T) {
	cfg := loadExample(t, "m3.yaml", nil, nil)
	if cfg.Dev || cfg.Auth.Mode != "external" {
		t.Errorf("dev=%v mode=%s, want external mode without dev", cfg.Dev, cfg.Auth.Mode)
	}
	if !slices.Contains(cfg.Auth.External.RequiredScopes, "read:mimic-data") {
		t.Errorf("auth.external.required_scopes = %v, want read:mimic-data as M3 requires", cfg.Auth.External.RequiredScopes)
	}
	if !slices.Equal(cfg.Tools.DefaultScopes, []string{"read:mimic-data"}) {
		t.Errorf("tools.default_scopes = %v: 401 challenges would not ask for read:mimic-data", cfg.Tools.DefaultScopes)
	}
	u := checkUpstream(t, cfg, m3Seed)
	if !slices.Equal(u.ReadScopes, []string{"read:mimic-data"}) {
		t.Errorf("m3 read_scopes = %v, want [read:mimic-data]: resources and prompts guarded like the tools", u.ReadScopes)
	}
	checkTable(t, examplePolicy(cfg), m3Seed)

	// M3 enforces its own OAuth2 when it sees M3_OAUTH2_ENABLED, and then
	// wants a token in its environment that Gatehouse never forwards.
	names := slices.Concat(slices.Collect(maps.Keys(u.Stdio.Env)), u.Stdio.EnvPassthrough)
	for _, n := range names {
		if strings.HasPrefix(n, "M3_OAUTH2_") {
			t.Errorf("the M3 child is given %s", n)
		}
	}

	builtin := loadExample(t, "m3.yaml", nil, []string{"GATEHOUSE_AUTH__MODE=builtin"})
	if !slices.Contains(builtin.Auth.Builtin.Scopes, "read:mimic-data") {
		t.Errorf("auth.builtin.scopes = %v, want read:mimic-data", builtin.Auth.Builtin.Scopes)
	}

	// The seed's own variables select external mode and fill it in.
	seed := loadExample(t, "m3.yaml", nil, []string{
		"M3_OAUTH2_ENABLED=true",
		"M3_OAUTH2_ISSUER_URL=https://idp.example.com/",
		"M3_OAUTH2_REQUIRED_SCOPES=read:mimic-data",
	})
	if seed.Auth.Mode != "external" || seed.Auth.External.IssuerURL != "https://idp.example.com/" {
		t.Errorf("with the M3 variables: mode=%s issuer=%s", seed.Auth.Mode, seed.Auth.External.IssuerURL)
	}
}

// examples/music21.yaml validates, puts the music21 server behind
// Gatehouse's own authorization server under its own tool names, and
// reproduces the remote mode's read/write/admin table, with the names the
// server exports today mapped like their counterparts.
func TestExampleMusic21ReproducesTheSeedScopes(t *testing.T) {
	cfg := loadExample(t, "music21.yaml", nil, nil)
	if cfg.Dev || cfg.Auth.Mode != "builtin" {
		t.Errorf("dev=%v mode=%s, want built-in mode without dev", cfg.Dev, cfg.Auth.Mode)
	}
	for _, s := range []string{"read", "write", "admin"} {
		if !slices.Contains(cfg.Auth.Builtin.Scopes, s) {
			t.Errorf("auth.builtin.scopes = %v, missing %s", cfg.Auth.Builtin.Scopes, s)
		}
	}
	checkUpstream(t, cfg, music21Seed, music21Exported)
	p := examplePolicy(cfg)
	checkTable(t, p, music21Seed)
	checkTable(t, p, music21Exported)

	// The header's trial command: development mode's demo users are the
	// seed's (alice read write, bob read, admin read write admin).
	if dev := loadExample(t, "music21.yaml", []string{"--dev"}, nil); !dev.Dev {
		t.Error("--dev did not turn development mode on")
	}
}
