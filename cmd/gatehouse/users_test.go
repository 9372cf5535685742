package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatehouse/adapters/password"
	"gatehouse/config"
	"gatehouse/domain"
)

// usersCLI runs one gatehouse command line with stdin and returns its exit
// code and output.
func usersCLI(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, env, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// storedUser reads a user straight from the store the configuration in env
// names, hash included.
func storedUser(t *testing.T, env []string, name string) domain.User {
	t.Helper()
	cfg, err := config.Load(nil, env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	be, err := openStores(t.Context(), cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatalf("openStores: %v", err)
	}
	defer be.close()
	u, err := be.stores.Users.GetUser(t.Context(), name)
	if err != nil {
		t.Fatalf("GetUser(%s): %v", name, err)
	}
	return u
}

func passwordMatches(t *testing.T, u domain.User, pw string) bool {
	t.Helper()
	ok, err := password.New(password.DefaultParams()).VerifyPassword(pw, u.PasswordHash)
	if err != nil {
		t.Fatalf("stored hash of %s: %v", u.Username, err)
	}
	return ok
}

func listedUsers(t *testing.T, env []string) []userView {
	t.Helper()
	code, out, errOut := usersCLI(t, env, "", "users", "list", "--json")
	var views []userView
	if code != 0 || json.Unmarshal([]byte(out), &views) != nil {
		t.Fatalf("list --json: exit %d, %q %q", code, out, errOut)
	}
	return views
}

// add, list, disable, enable and passwd work on the store: the password
// arrives on stdin and is kept only as an argon2id hash, which no output
// shows; JSON and exit codes are what scripts need.
func TestUsersCommand(t *testing.T) {
	env := redisAdminEnv(t)

	code, out, errOut := usersCLI(t, env, "first-secret\n", "users", "add", "carol", "--scopes", "read write", "--password-stdin", "--json")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	var added userView
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Username != "carol" ||
		strings.Join(added.Scopes, " ") != "read write" || added.Disabled || added.CreatedAt.IsZero() {
		t.Fatalf("add --json printed %q (%v), want carol with read write, enabled", out, err)
	}
	u := storedUser(t, env, "carol")
	if !strings.HasPrefix(u.PasswordHash, "$argon2id$") || !passwordMatches(t, u, "first-secret") {
		t.Fatalf("stored hash %q is not an argon2id hash of the password", u.PasswordHash)
	}

	if code, _, errOut := usersCLI(t, env, "other\n", "users", "add", "carol", "--password-stdin"); code != 1 || !strings.Contains(errOut, "already exists") {
		t.Errorf("add again: exit %d %q, want 1 and already exists", code, errOut)
	}
	if code, _, _ := usersCLI(t, env, "pw\n", "users", "add", "alpha", "--password-stdin"); code != 0 {
		t.Fatalf("add alpha: exit %d", code)
	}

	code, out, _ = usersCLI(t, env, "", "users", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "USERNAME") ||
		strings.Fields(lines[1])[0] != "alpha" || !slices.Equal(strings.Fields(lines[2]), []string{"carol", "active", strings.Fields(lines[2])[2], "read,write"}) {
		t.Errorf("list: exit %d\n%s\nwant a header, then alpha, then carol active read,write", code, out)
	}
	if strings.Contains(out, "argon2") {
		t.Error("list shows a password hash")
	}

	if code, out, _ := usersCLI(t, env, "", "users", "disable", "carol"); code != 0 || strings.TrimSpace(out) != "disabled carol" {
		t.Errorf("disable: exit %d %q", code, out)
	}
	if v := listedUsers(t, env); len(v) != 2 || v[0].Username != "alpha" || v[0].Disabled || !v[1].Disabled {
		t.Errorf("list after disable = %+v, want alpha enabled, carol disabled", v)
	}
	if code, out, _ := usersCLI(t, env, "", "users", "disable", "carol"); code != 0 || !strings.Contains(out, "already disabled") {
		t.Errorf("disable again: exit %d %q, want 0 and already disabled", code, out)
	}
	if !storedUser(t, env, "carol").Disabled {
		t.Error("carol is not disabled in the store")
	}
	if code, _, _ := usersCLI(t, env, "", "users", "enable", "carol"); code != 0 || storedUser(t, env, "carol").Disabled {
		t.Errorf("enable: exit %d, or carol still disabled", code)
	}

	code, out, errOut = usersCLI(t, env, "second-secret\n", "users", "passwd", "carol", "--password-stdin", "--json")
	if code != 0 {
		t.Fatalf("passwd: exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "argon2") || strings.Contains(out, "secret") {
		t.Errorf("passwd printed %q: a hash or the password", out)
	}
	u = storedUser(t, env, "carol")
	if !passwordMatches(t, u, "second-secret") || passwordMatches(t, u, "first-secret") {
		t.Error("after passwd the stored hash does not match the new password only")
	}
	if !u.UpdatedAt.After(u.CreatedAt) {
		t.Errorf("UpdatedAt %v is not after CreatedAt %v", u.UpdatedAt, u.CreatedAt)
	}

	for _, sub := range []string{"disable", "enable", "passwd"} {
		code, _, errOut := usersCLI(t, env, "pw\n", "users", sub, "nobody", "--password-stdin")
		if sub != "passwd" {
			code, _, errOut = usersCLI(t, env, "", "users", sub, "nobody")
		}
		if code != 1 || !strings.Contains(errOut, "not found") {
			t.Errorf("%s nobody: exit %d %q, want 1 and not found", sub, code, errOut)
		}
	}
}

// The server sees stored users behind the configured ones: a stored user
// logs in, a disabled one is seen as disabled.
func TestUsersReachTheServer(t *testing.T) {
	env := redisAdminEnv(t)
	if code, _, errOut := usersCLI(t, env, "pw\n", "users", "add", "dora", "--password-stdin"); code != 0 {
		t.Fatalf("add: exit %d: %s", code, errOut)
	}
	if code, _, _ := usersCLI(t, env, "", "users", "disable", "dora"); code != 0 {
		t.Fatalf("disable: exit %d", code)
	}
	cfg, err := config.Load(nil, env)
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	sys, err := build(t.Context(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	defer sys.close()
	u, err := sys.users.GetUser(t.Context(), "dora")
	if err != nil {
		t.Fatalf("the server's users do not include the stored dora: %v", err)
	}
	if !u.Disabled || !passwordMatches(t, u, "pw") {
		t.Errorf("server sees dora = disabled %v, password matches %v; want disabled, matching", u.Disabled, passwordMatches(t, u, "pw"))
	}
}

// Users of the configuration cannot be added to or changed in the store:
// the configuration would win at login.
func TestUsersCommandLeavesConfiguredUsersAlone(t *testing.T) {
	file := filepath.Join(t.TempDir(), "gatehouse.yaml")
	yaml := "auth:\n  builtin:\n    users:\n      - {username: erin, password: from-config, scopes: [read]}\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(redisAdminEnv(t), "GATEHOUSE_CONFIG="+file)
	for _, args := range [][]string{
		{"users", "add", "erin", "--password-stdin"},
		{"users", "disable", "erin"},
	} {
		code, _, errOut := usersCLI(t, env, "pw\n", args...)
		if code != 1 || !strings.Contains(errOut, "auth.builtin.users") {
			t.Errorf("%q: exit %d %q, want 1 naming auth.builtin.users", args, code, errOut)
		}
	}
	if v := listedUsers(t, env); len(v) != 0 {
		t.Errorf("store users = %+v, want none", v)
	}
}

// Wrong command lines exit 2 with the usage; refusals that depend on the
// configuration exit 1 and name its key. None of these needs a store.
func TestUsersCommandRefusesAndExplains(t *testing.T) {
	redis := []string{"GATEHOUSE_DEV=false", "GATEHOUSE_SERVER__BASE_URL=https://gatehouse.example",
		"GATEHOUSE_STORE__DRIVER=redis", "GATEHOUSE_STORE__REDIS__URL=redis://127.0.0.1:1/0",
		"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}
	tests := []struct {
		name  string
		env   []string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"no subcommand", nil, "", []string{"users"}, 2, "Usage:"},
		{"unknown subcommand", nil, "", []string{"users", "delete", "carol"}, 2, "unknown subcommand"},
		{"add without a name", nil, "", []string{"users", "add", "--password-stdin"}, 2, "exactly one USERNAME"},
		{"add with two names", nil, "", []string{"users", "add", "a", "b"}, 2, "exactly one USERNAME"},
		{"list with a name", nil, "", []string{"users", "list", "carol"}, 2, "takes no arguments"},
		{"scopes on disable", nil, "", []string{"users", "disable", "carol", "--scopes", "read"}, 2, "--scopes is for add"},
		{"password on enable", nil, "", []string{"users", "enable", "carol", "--password-stdin"}, 2, "--password-stdin is for"},
		{"password as a flag value", nil, "", []string{"users", "add", "carol", "--password", "x"}, 2, "unknown flag"},
		{"name with a space", nil, "", []string{"users", "add", "car ol"}, 2, "spaces"},
		{"help", nil, "", []string{"users", "--help"}, 0, "Usage:"},
		{"subcommand help", nil, "", []string{"users", "passwd", "--help"}, 0, "Usage:"},
		{"unknown scope", redis, "pw\n", []string{"users", "add", "carol", "--scopes", "read root", "--password-stdin"}, 2, "auth.builtin.scopes"},
		{"no password source", redis, "pw\n", []string{"users", "add", "carol"}, 2, "--password-stdin"},
		{"memory store", []string{"GATEHOUSE_DEV=true"}, "", []string{"users", "list"}, 1, "store.driver"},
		{"empty password", redis, "\n", []string{"users", "passwd", "carol", "--password-stdin"}, 1, "must not be empty"},
		{"no password on stdin", redis, "", []string{"users", "add", "carol", "--password-stdin"}, 1, "no input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := usersCLI(t, tt.env, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("exit %d, output %q; want exit %d mentioning %q", code, out+errOut, tt.code, tt.want)
			}
		})
	}
}
