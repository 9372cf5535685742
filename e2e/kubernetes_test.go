package e2e

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"gatehouse/config"
)

// The Kubernetes example parses, its Gatehouse configuration loads with the
// environment its Secret provides, and the probes and migration Job point
// at what the binary serves and runs.
func TestKubernetesManifestMatchesTheConfiguration(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "deploy", "kubernetes.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]map[string]any{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var d map[string]any
		if err := dec.Decode(&d); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("deploy/kubernetes.yaml does not parse: %v", err)
		}
		docs[d["kind"].(string)] = d
	}
	for _, kind := range []string{"ConfigMap", "Job", "Deployment", "Service"} {
		if docs[kind] == nil {
			t.Fatalf("no %s in the manifest", kind)
		}
	}

	cfgYAML := docs["ConfigMap"]["data"].(map[string]any)["gatehouse.yaml"].(string)
	path := filepath.Join(t.TempDir(), "gatehouse.yaml")
	if err := os.WriteFile(path, []byte(cfgYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	container := dig(t, docs["Deployment"], "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	var env []string
	for _, e := range container["env"].([]any) {
		name := e.(map[string]any)["name"].(string)
		value := map[string]string{
			"GATEHOUSE_STORE__POSTGRES__DSN":      "postgres://gatehouse@db/gatehouse",
			"GATEHOUSE_STORE__REDIS__URL":         "rediss://cache:6380/0",
			"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		}[name]
		if value == "" {
			t.Fatalf("env %s has no test value: the manifest and this test disagree", name)
		}
		env = append(env, name+"="+value)
	}
	cfg, err := config.Load([]string{"--config", path}, env)
	if err != nil {
		t.Fatalf("the manifest's configuration does not load: %v", err)
	}
	if cfg.Dev || cfg.Store.Driver != "postgres" || cfg.RateLimitDriver() != "redis" || cfg.Store.Postgres.AutoMigrate {
		t.Errorf("dev=%v store=%s ratelimit=%s auto_migrate=%v", cfg.Dev, cfg.Store.Driver, cfg.RateLimitDriver(), cfg.Store.Postgres.AutoMigrate)
	}
	args := strings.Join(anyStrings(container["args"]), " ")
	job := dig(t, docs["Job"], "spec", "template", "spec", "containers").([]any)[0].(map[string]any)
	if !strings.HasPrefix(args, "serve") || anyStrings(job["args"])[0] != "migrate" {
		t.Errorf("deployment runs %q, job runs %v", args, job["args"])
	}
	for probe, want := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := dig(t, container, probe, "httpGet", "path"); got != want {
			t.Errorf("%s path %v, want %s", probe, got, want)
		}
	}
}

func dig(t *testing.T, m map[string]any, keys ...string) any {
	t.Helper()
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("manifest: no %s", strings.Join(keys, "."))
		}
		cur = mm[k]
	}
	return cur
}

func anyStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}
