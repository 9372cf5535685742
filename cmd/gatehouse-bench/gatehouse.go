package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// testKEK is a store.key_encryption_key for throwaway stores (32 zero
// bytes); signing keys stay in the key file anyway.
const testKEK = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

// moduleRoot finds the gatehouse module the harness runs in.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == "/dev/null" {
		return "", errors.New("not inside a Go module: run gatehouse-bench from the gatehouse checkout")
	}
	return filepath.Dir(gomod), nil
}

// buildGatehouse compiles ./cmd/gatehouse into dir, so that the harness
// measures the program a user runs.
func buildGatehouse(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gatehouse")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gatehouse")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gatehouse in %s: %w\n%s", root, err, out)
	}
	return bin, nil
}

// serverSpec names one configuration of `gatehouse serve`.
type serverSpec struct {
	Alg   string // ES256 | RS256
	Store string // memory | redis | postgres
}

func (s serverSpec) String() string { return strings.ToLower(s.Alg) + "-" + s.Store }

// ghServer is a running `gatehouse serve` in development mode.
type ghServer struct {
	URL string
	// Env is the GATEHOUSE_ settings shared by serve, stdio and token.
	Env  []string
	bin  string
	proc *proc
}

func (s *ghServer) PID() int { return s.proc.PID() }

// gatehouseEnv is the configuration of one server: its own key file and
// address, rate limits off (they would cap the throughput being measured),
// quiet logs, and the store's settings.
func (h *harness) gatehouseEnv(spec serverSpec, addr string) ([]string, error) {
	base := "http://" + addr
	env := []string{
		"GATEHOUSE_SERVER__LISTEN=" + addr,
		"GATEHOUSE_SERVER__BASE_URL=" + base,
		"GATEHOUSE_AUTH__BUILTIN__KEY_FILE=" + filepath.Join(h.dir, "keys-"+spec.String()+".json"),
		"GATEHOUSE_AUTH__BUILTIN__SIGNING_ALG=" + spec.Alg,
		"GATEHOUSE_RATELIMIT__ENABLED=false",
		"GATEHOUSE_LOG__LEVEL=warn",
		"GATEHOUSE_STORE__DRIVER=" + spec.Store,
	}
	switch spec.Store {
	case "redis":
		if h.redis == nil {
			return nil, errors.New("redis is not available")
		}
		env = append(env,
			"GATEHOUSE_STORE__REDIS__URL="+h.redis.url,
			"GATEHOUSE_STORE__REDIS__PREFIX="+h.redis.prefix+spec.String()+":",
			"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY="+testKEK)
	case "postgres":
		if h.postgres == nil {
			return nil, errors.New("postgres is not available")
		}
		env = append(env,
			"GATEHOUSE_STORE__POSTGRES__DSN="+h.postgres.dsnFor(h.postgres.schema),
			"GATEHOUSE_STORE__KEY_ENCRYPTION_KEY="+testKEK)
	}
	return env, nil
}

// server starts (once) and returns the server of spec.
func (h *harness) server(ctx context.Context, spec serverSpec) (*ghServer, error) {
	if s, ok := h.servers[spec]; ok {
		return s, nil
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env, err := h.gatehouseEnv(spec, addr)
	if err != nil {
		return nil, err
	}
	p, err := startProc("gatehouse serve ("+spec.String()+")", h.bin, []string{"serve"}, h.childEnv(env))
	if err != nil {
		return nil, err
	}
	h.procs = append(h.procs, p)
	s := &ghServer{URL: "http://" + addr, Env: env, bin: h.bin, proc: p}
	if err := p.waitReady(ctx, s.URL+"/readyz"); err != nil {
		return nil, err
	}
	h.servers[spec] = s
	h.logf("started gatehouse serve %s on %s (pid %d)", spec, s.URL, p.PID())
	return s, nil
}

// childEnv is the environment of a server the harness starts: its own
// cache directory (development mode may keep keys there), the servers'
// GOGC, and env.
func (h *harness) childEnv(env []string) []string {
	out := append(cleanEnv(), "XDG_CACHE_HOME="+filepath.Join(h.dir, "cache"))
	if h.opts.serverGOGC != "" {
		out = append(out, "GOGC="+h.opts.serverGOGC)
	}
	return append(out, env...)
}

// mint runs `gatehouse token` with the server's settings, so the token is
// signed by the server's key for the server's audience.
func (s *ghServer) mint(ctx context.Context, h *harness, sub, scope string) (string, error) {
	cmd := exec.CommandContext(ctx, s.bin, "token", "--sub", sub, "--scope", scope)
	cmd.Env = h.childEnv(s.Env)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("gatehouse token: %w\n%s", err, stderr.String())
	}
	tok := strings.TrimSpace(string(out))
	if strings.Count(tok, ".") != 2 {
		return "", fmt.Errorf("gatehouse token printed %q, want a JWT", tok)
	}
	return tok, nil
}
