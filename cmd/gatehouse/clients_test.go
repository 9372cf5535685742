package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
)

// redisAdminEnv is a configuration over the real Redis under a key prefix of
// the test's own, removed afterwards.
func redisAdminEnv(t *testing.T) []string {
	t.Helper()
	url := os.Getenv("GATEHOUSE_TEST_REDIS_URL")
	if url == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("GATEHOUSE_TEST_REDIS_URL is not set; under CI=true the real Redis is required")
		}
		t.Skip("GATEHOUSE_TEST_REDIS_URL is not set")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "gatehouse-cli-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		opts, err := goredis.ParseURL(url)
		if err != nil {
			return
		}
		c := goredis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return []string{
		"GATEHOUSE_DEV=false",
		"GATEHOUSE_SERVER__BASE_URL=https://gatehouse.example",
		"GATEHOUSE_STORE__DRIVER=redis",
		"GATEHOUSE_STORE__REDIS__URL=" + url,
		"GATEHOUSE_STORE__REDIS__PREFIX=" + prefix,
		"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	}
}

// cli runs one gatehouse command line and returns its exit code and output.
func cli(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, env, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// The clients commands create, list and delete clients in the store, show
// a secret only once, and speak JSON and exit codes a script can use.
func TestClientsCommand(t *testing.T) {
	env := redisAdminEnv(t)

	code, out, errOut := cli(t, env, "clients", "create", "--name", "billing batch", "--scope", "read write", "--json")
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	var created struct{ ClientID, ClientSecret string }
	if err := json.Unmarshal([]byte(out), &struct {
		ID     *string `json:"client_id"`
		Secret *string `json:"client_secret"`
	}{&created.ClientID, &created.ClientSecret}); err != nil || created.ClientID == "" || created.ClientSecret == "" {
		t.Fatalf("create --json printed %q (%v), want client_id and client_secret", out, err)
	}

	code, out, _ = cli(t, env, "clients", "list", "--json")
	var listed []clientView
	if code != 0 || json.Unmarshal([]byte(out), &listed) != nil {
		t.Fatalf("list --json: exit %d, %q", code, out)
	}
	if len(listed) != 1 || listed[0].ClientID != created.ClientID || listed[0].Type != "confidential" || listed[0].Scope != "read write" {
		t.Errorf("list = %+v, want the created confidential client", listed)
	}
	if strings.Contains(out, created.ClientSecret) || strings.Contains(strings.ToLower(out), "hash") {
		t.Error("list shows the secret or its hash")
	}

	if code, _, _ := cli(t, env, "clients", "delete", created.ClientID); code != 0 {
		t.Errorf("delete: exit %d", code)
	}
	if code, _, errOut := cli(t, env, "clients", "delete", created.ClientID); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("delete again: exit %d %q, want 1 and not found", code, errOut)
	}
	if _, out, _ := cli(t, env, "clients", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("list after delete: %q, want []", out)
	}
}

func TestAdminCommandsRefuseAndExplain(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"no subcommand", nil, []string{"clients"}, 2, "Usage:"},
		{"unknown subcommand", nil, []string{"keys", "burn"}, 2, "Usage:"},
		{"create without a name", nil, []string{"clients", "create"}, 2, "Usage:"},
		{"help", nil, []string{"clients", "--help"}, 0, "Usage:"},
		{"subcommand help", nil, []string{"keys", "list", "--help"}, 0, "Usage:"},
		{"memory store", []string{"GATEHOUSE_DEV=true"}, []string{"clients", "list"}, 1, "store.driver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := cli(t, tt.env, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output %q; want exit %d mentioning %q", code, out+errOut, tt.code, tt.want)
			}
		})
	}
}

// keys rotate adds a signing key and keys list shows both, the old one
// retired but still published, never the private halves.
func TestKeysCommand(t *testing.T) {
	env := redisAdminEnv(t)
	if code, _, errOut := cli(t, env, "keys", "rotate"); code != 0 {
		t.Fatalf("rotate: exit %d: %s", code, errOut)
	}
	code, out, errOut := cli(t, env, "keys", "list", "--json")
	if code != 0 {
		t.Fatalf("list: exit %d: %s", code, errOut)
	}
	var keys []keyView
	if err := json.Unmarshal([]byte(out), &keys); err != nil {
		t.Fatalf("list --json: %v: %q", err, out)
	}
	if len(keys) != 2 || keys[0].State != "signing" || keys[1].State != "retired" || keys[1].ExpiresAt == nil {
		t.Errorf("keys = %+v, want the new signing key then the retired one with an expiry", keys)
	}
	if strings.Contains(out, `"d"`) {
		t.Error("keys list shows private key material")
	}
}

// version speaks text and JSON and refuses what it does not know.
func TestVersionCommand(t *testing.T) {
	if code, out, _ := cli(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "gatehouse ") {
		t.Errorf("version: %d %q", code, out)
	}
	code, out, _ := cli(t, nil, "version", "--json")
	var v versionInfo
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Version == "" || v.GoVersion == "" {
		t.Errorf("version --json: %d %q", code, out)
	}
	if code, _, _ := cli(t, nil, "version", "--bogus"); code != 2 {
		t.Errorf("version --bogus: exit %d, want 2", code)
	}
}
