package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// gatehouseBin is the path of the binary built once by TestMain; it is
// written before any test runs and only read afterwards.
var gatehouseBin string

const (
	readyDeadline = 10 * time.Second
	readyPoll     = 20 * time.Millisecond
	stopGrace     = 5 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "gatehouse-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: temp dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)

	bin, err := buildBinary(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	gatehouseBin = bin
	return m.Run()
}

// buildBinary compiles ./cmd/gatehouse from the module root, so the tests
// run the same program a user starts.
func buildBinary(dir string) (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	bin := filepath.Join(dir, "gatehouse")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/gatehouse")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gatehouse: %w\n%s", err, out)
	}
	return bin, nil
}

// server is one running `gatehouse serve` process.
type server struct {
	URL      string // base URL, which is also the issuer
	Resource string // the MCP endpoint, the audience of access tokens
	Addr     string // host:port it listens on
	ReadyIn  time.Duration

	cmd    *exec.Cmd
	out    *syncBuffer
	exited chan struct{}
}

// startServer starts the binary in development mode (no config file) on a
// free loopback port and waits until /readyz answers 200. Extra env entries
// ("KEY=value") override the defaults set here.
func startServer(t *testing.T, env ...string) *server {
	t.Helper()
	return startServerListening(t, "127.0.0.1", env...)
}

// startServerListening is startServer with the listener bound to host (for
// example 0.0.0.0); the base URL stays on 127.0.0.1.
func startServerListening(t *testing.T, host string, env ...string) *server {
	t.Helper()
	port := strconv.Itoa(freePort(t))
	addr := "127.0.0.1:" + port
	base := "http://" + addr
	s := &server{
		URL:      base,
		Resource: base + "/mcp",
		Addr:     addr,
		out:      &syncBuffer{},
		exited:   make(chan struct{}),
	}
	s.cmd = exec.Command(gatehouseBin, "serve")
	s.cmd.Env = append(cleanEnv(),
		"GATEHOUSE_SERVER__LISTEN="+net.JoinHostPort(host, port),
		"GATEHOUSE_SERVER__BASE_URL="+base,
		// Development mode keeps its signing keys under the user's cache
		// directory; a test's server must not read or write the developer's.
		"XDG_CACHE_HOME="+t.TempDir(),
	)
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout = s.out
	s.cmd.Stderr = s.out

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("gatehouse output (%s):\n%s", base, s.out.String())
		}
	})
	start := time.Now()
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start gatehouse: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() { s.stop(t) })

	if err := s.waitReady(t.Context()); err != nil {
		t.Fatalf("gatehouse at %s: %v", base, err)
	}
	s.ReadyIn = time.Since(start)
	t.Logf("gatehouse ready at %s in %v", base, s.ReadyIn)
	return s
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(readyDeadline)
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(readyPoll)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("GET /readyz not 200 within %v", readyDeadline)
		}
		select {
		case <-s.exited:
			return fmt.Errorf("process exited before ready: %v", s.cmd.ProcessState)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// stop ends only the process this server started: SIGTERM to its PID,
// then SIGKILL if it has not exited within the grace period.
func (s *server) stop(t *testing.T) {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
		if code := s.cmd.ProcessState.ExitCode(); code != 0 {
			t.Logf("gatehouse exited with %d after SIGTERM", code)
		}
	case <-time.After(stopGrace):
		// SIGQUIT makes the Go runtime print every goroutine's stack into
		// the captured output, which shows what held the shutdown.
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.exited:
		case <-time.After(2 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
		t.Errorf("gatehouse did not exit within %v of SIGTERM; stopped with SIGQUIT", stopGrace)
	}
}

// Output is everything the process wrote to stdout and stderr so far.
func (s *server) Output() string { return s.out.String() }

// waitOutput waits briefly for the process to print want, since a banner
// may be written just after the listener accepts requests.
func (s *server) waitOutput(want string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for {
		if strings.Contains(s.Output(), want) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-s.exited:
			return strings.Contains(s.Output(), want)
		case <-time.After(readyPoll):
		}
	}
}

// freePort asks the kernel for a free loopback port and releases it again.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen for a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		t.Fatalf("close probe listener: %v", err)
	}
	return port
}

// cleanEnv is the test process' environment without Gatehouse settings, so
// a developer's shell cannot change what the tests start.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "GATEHOUSE_") || strings.HasPrefix(kv, "M3_OAUTH2_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runToExit runs `gatehouse serve` expecting it to stop by itself within
// limit; it returns the combined output and the exit error.
func runToExit(t *testing.T, limit time.Duration, env ...string) (string, error) {
	t.Helper()
	out := &syncBuffer{}
	cmd := exec.Command(gatehouseBin, "serve")
	cmd.Env = append(cleanEnv(), "XDG_CACHE_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start gatehouse: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(limit):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("gatehouse still running after %v; killed. output:\n%s", limit, out.String())
		return "", nil
	}
}

// syncBuffer collects process output written from two pipes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
