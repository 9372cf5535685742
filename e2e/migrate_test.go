package e2e

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	goredis "github.com/redis/go-redis/v9"
)

// envValue reads KEY from a KEY=value list.
func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// `gatehouse migrate` applies the embedded schema once; a server with
// auto_migrate off refuses an outdated schema, naming the key and the
// command to run.
func TestMigrateCommand(t *testing.T) {
	be := postgresBackend(t)
	env := append([]string{"GATEHOUSE_STORE__POSTGRES__AUTO_MIGRATE=false", "GATEHOUSE_SERVER__BASE_URL=http://127.0.0.1:1"}, be.Env...)

	out, err := runCLIErr(t, env, "migrate", "--status")
	if err == nil || !strings.Contains(out, "pending: 001_init") {
		t.Errorf("migrate --status on an empty schema: %q, %v; want pending 001_init and a failing exit", out, err)
	}
	refused, err := runToExit(t, 30*time.Second, env...)
	if err == nil || !strings.Contains(refused, "store.postgres.auto_migrate") || !strings.Contains(refused, "gatehouse migrate") {
		t.Errorf("serve on an outdated schema with auto_migrate off: err %v, output:\n%s", err, refused)
	}
	if out := runCLI(t, env, "migrate"); !strings.Contains(out, "applied: 001_init") {
		t.Errorf("migrate: %q, want 001_init applied", out)
	}
	if out := runCLI(t, env, "migrate"); !strings.Contains(out, "nothing to apply") {
		t.Errorf("second migrate: %q, want nothing to apply", out)
	}
	if out := runCLI(t, env, "migrate", "--status"); !strings.Contains(out, "up to date") {
		t.Errorf("migrate --status after migrating: %q", out)
	}
}

func runCLIErr(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehouseBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Signing private keys kept in Redis or Postgres are encrypted: the stored
// bytes never hold the private JWK's "d", while the server signs with them.
func TestSigningKeysEncryptedAtRest(t *testing.T) {
	for _, tc := range []struct {
		name string
		be   func(*testing.T) backend
		read func(t *testing.T, be backend) []string
	}{
		{"redis", redisBackend, storedRedisKeys},
		{"postgres", postgresBackend, storedPostgresKeys},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			be := tc.be(t)
			s := startServer(t, be.Env...)
			if s.jwks(t).Len() == 0 {
				t.Fatal("no published signing key")
			}
			stored := tc.read(t, be)
			if len(stored) == 0 {
				t.Fatal("no signing key found in the store")
			}
			for _, v := range stored {
				if strings.Contains(v, `"d"`) || strings.Contains(v, `"kty"`) {
					t.Errorf("a signing key is stored in clear: %.60q…", v)
				}
			}
		})
	}
}

func storedRedisKeys(t *testing.T, be backend) []string {
	t.Helper()
	opts, err := goredis.ParseURL(envValue(be.Env, "GATEHOUSE_STORE__REDIS__URL"))
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	vals, err := c.HVals(t.Context(), envValue(be.Env, "GATEHOUSE_STORE__REDIS__PREFIX")+"keys").Result()
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func storedPostgresKeys(t *testing.T, be backend) []string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), envValue(be.Env, "GATEHOUSE_STORE__POSTGRES__DSN"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(t.Context(), "SELECT private_jwk FROM signing_keys")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, string(b))
	}
	return out
}
