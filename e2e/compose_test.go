package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gatehouse/config"
)

// compose is the part of docker-compose.yml the tests read.
type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     []string          `yaml:"command"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		DependsOn   any               `yaml:"depends_on"`
		Deploy      struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
	} `yaml:"services"`
}

func loadCompose(t *testing.T) compose {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	return c
}

var composeVar = regexp.MustCompile(`\$\{([A-Z_]+)(?::?[-?]([^}]*))?\}`)

// composeEnv is a service's environment with ${VAR}, ${VAR:-default} and
// ${VAR:?message} resolved from vars, as docker compose resolves them.
func composeEnv(t *testing.T, env map[string]string, vars map[string]string) []string {
	t.Helper()
	var out []string
	for k, v := range env {
		v = composeVar.ReplaceAllStringFunc(v, func(m string) string {
			sub := composeVar.FindStringSubmatch(m)
			if val, ok := vars[sub[1]]; ok {
				return val
			}
			if strings.Contains(m, ":-") {
				return sub[2]
			}
			t.Fatalf("%s needs %s", k, sub[1])
			return ""
		})
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// docker-compose.yml parses, names files that exist, and its Gatehouse
// environment with deploy/gatehouse.yaml is a valid production
// configuration: Postgres state, Redis rate limits, replicas, no dev mode.
func TestComposeFileMatchesTheConfiguration(t *testing.T) {
	c := loadCompose(t)
	for _, name := range []string{"postgres", "redis", "migrate", "gatehouse", "lb"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("service %q missing", name)
		}
	}
	for name, svc := range c.Services {
		for _, v := range svc.Volumes {
			src, _, _ := strings.Cut(v, ":")
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join("..", src)); err != nil {
					t.Errorf("service %s mounts %s: %v", name, src, err)
				}
			}
		}
	}
	if _, err := os.Stat(filepath.Join("..", "Dockerfile")); err != nil {
		t.Errorf("compose builds . but: %v", err)
	}
	gh := c.Services["gatehouse"]
	if gh.Deploy.Replicas < 2 {
		t.Errorf("gatehouse has %d replicas, want at least 2", gh.Deploy.Replicas)
	}
	if c.Services["migrate"].Command[0] != "migrate" || gh.Command[0] != "serve" {
		t.Errorf("commands: migrate %v, gatehouse %v", c.Services["migrate"].Command, gh.Command)
	}

	env := composeEnv(t, gh.Environment, map[string]string{
		"POSTGRES_PASSWORD":            "pw",
		"GATEHOUSE_KEY_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	})
	cfg, err := config.Load([]string{"--config", filepath.Join("..", "deploy", "gatehouse.yaml")}, env)
	if err != nil {
		t.Fatalf("the compose configuration does not load: %v", err)
	}
	if cfg.Dev || cfg.Store.Driver != "postgres" || cfg.RateLimitDriver() != "redis" || !cfg.SigningKeysInStore() {
		t.Errorf("dev=%v store=%s ratelimit=%s keys in store=%v, want production on postgres with redis rate limits",
			cfg.Dev, cfg.Store.Driver, cfg.RateLimitDriver(), cfg.SigningKeysInStore())
	}
	if cfg.Store.Postgres.AutoMigrate {
		t.Error("replicas migrate on start; the migrate service should be the only one")
	}
}
