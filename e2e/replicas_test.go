package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runCLI runs a gatehouse command to its end and returns its stdout.
func runCLI(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehouseBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// Two replicas sharing Redis, and again sharing Postgres, serve as one: a
// login through A refreshes through B, a revocation through B holds at A,
// one rate limit counts calls at both, and a key rotated on the shared
// store is published and used by both.
func TestReplicasServeAsOne(t *testing.T) {
	for _, be := range []struct {
		name string
		make func(*testing.T) backend
	}{{"redis", redisBackend}, {"postgres", postgresBackend}} {
		t.Run(be.name, func(t *testing.T) {
			t.Parallel()
			b := be.make(t)
			lb, reps := startReplicas(t, 2, b, "GATEHOUSE_RATELIMIT__REQUESTS=4", "GATEHOUSE_RATELIMIT__WINDOW=3600s")
			a, bb := reps[0], reps[1]
			front := lb.front()
			mcpFront := &mcpServer{server: front}
			public := publicAuth(demoClientID)

			// Log in through A, refresh through B.
			lb.use(a)
			tok := front.login(t, newBrowser(t, front), front.demoConfig(t, "read", "write"), "alice")
			lb.use(bb)
			ex := front.refresh(t, tok.RefreshToken, "", public)
			if ex.Status != http.StatusOK {
				t.Fatalf("refresh through B of a login through A: %s", ex)
			}
			access, refresh := ex.Str(t, "access_token"), ex.Str(t, "refresh_token")
			for name, r := range map[string]*server{"A": a, "B": bb} {
				lb.use(r)
				if ex := mcpFront.callTool(t, access, "whoami", nil); ex.Status != http.StatusOK {
					t.Errorf("token from B used at %s: %d %s", name, ex.Status, ex.Body)
				}
			}

			// Revoke through B, refused at A.
			lb.use(bb)
			if ex := front.revoke(t, refresh, "refresh_token", public); ex.Status != http.StatusOK {
				t.Fatalf("revoke through B: %s", ex)
			}
			lb.use(a)
			wantOAuthError(t, front.refresh(t, refresh, "", public), http.StatusBadRequest, "invalid_grant")
			if ex := mcpFront.callTool(t, access, "whoami", nil); ex.Status != http.StatusUnauthorized {
				t.Errorf("access token of a grant revoked through B, used at A: %d, want 401", ex.Status)
			}

			// One rate limit for both: 4 calls per subject, alternating.
			cc := front.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, demoService())
			if cc.Status != http.StatusOK {
				t.Fatalf("client_credentials: %s", cc)
			}
			svc := cc.Str(t, "access_token")
			for i := range 5 {
				lb.use(reps[i%2])
				want := http.StatusOK
				if i == 4 {
					want = http.StatusTooManyRequests
				}
				if ex := mcpFront.callTool(t, svc, "whoami", nil); ex.Status != want {
					t.Errorf("call %d (replica %d): %d, want %d", i+1, i%2, ex.Status, want)
				}
			}

			// A key rotated on the shared store: both publish it, B signs
			// with it, A accepts what B signed.
			out := runCLI(t, append([]string{"GATEHOUSE_SERVER__BASE_URL=" + lb.URL}, b.Env...), "keys", "rotate")
			fields := strings.Fields(out)
			if len(fields) < 4 || fields[0] != "new" {
				t.Fatalf("keys rotate printed %q", out)
			}
			kid := fields[3]
			for name, r := range map[string]*server{"A": a, "B": bb} {
				waitFor(t, 10*time.Second, name+" publishes the rotated key", func() bool {
					return strings.Contains(r.get(t, r.URL+"/auth/jwks.json").Body, kid)
				})
			}
			lb.use(bb)
			var signed string
			waitFor(t, 10*time.Second, "B signs with the rotated key", func() bool {
				ex := front.token(t, url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}, demoService())
				signed = ex.Str(t, "access_token")
				return jwtHeader(t, signed)["kid"] == kid
			})
			lb.use(a)
			if ex := front.introspect(t, signed); ex["active"] != true {
				t.Errorf("A does not accept a token B signed with the rotated key: %v", ex)
			}
		})
	}
}

// waitFor polls cond until it holds or within passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
