package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// storeProcess is a Redis or Postgres server this test started on a spare
// port, so that it can stop it and start it again with its data kept.
type storeProcess struct {
	name  string
	start func() *exec.Cmd
	cmd   *exec.Cmd
	out   *syncBuffer
	ready func() bool
}

func (p *storeProcess) run(t *testing.T) {
	t.Helper()
	p.out = &syncBuffer{}
	p.cmd = p.start()
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	waitFor(t, 30*time.Second, p.name+" accepts connections", p.ready)
}

// stop ends the process this test started, by its PID, the way an
// operator's restart does (SIGINT: Postgres' fast shutdown; Redis saves).
func (p *storeProcess) stop(t *testing.T) {
	t.Helper()
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
	p.cmd = nil
}

func tcpOpen(addr string) func() bool {
	return func() bool {
		c, err := (&net.Dialer{Timeout: time.Second}).Dial("tcp", addr)
		if err != nil {
			return false
		}
		c.Close()
		return true
	}
}

// ownRedis starts redis-server on a spare port with an append-only file,
// so a stop and start keeps every grant.
func ownRedis(t *testing.T) (*storeProcess, string) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		requireTool(t, "redis-server")
	}
	dir := t.TempDir()
	port := strconv.Itoa(freePort(t))
	p := &storeProcess{name: "redis", ready: tcpOpen("127.0.0.1:" + port)}
	p.start = func() *exec.Cmd {
		return exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--dir", dir,
			"--save", "", "--appendonly", "yes", "--appendfsync", "always")
	}
	p.run(t)
	t.Cleanup(func() { p.stop(t) })
	return p, "redis://127.0.0.1:" + port + "/0"
}

// ownPostgres initialises and starts a Postgres cluster on a spare port as
// the postgres system user (the server refuses to run as root).
func ownPostgres(t *testing.T) (*storeProcess, string) {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		requireTool(t, "postgres server binaries")
	}
	binDir := filepath.Dir(bins[len(bins)-1])
	cred := &syscall.Credential{}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			requireTool(t, "a postgres system user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	} else {
		cred = nil
	}
	// Not t.TempDir: its parent is private to this user, and the server
	// runs as another.
	dir, err := os.MkdirTemp("", "gatehouse-e2e-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	asServer := func(c *exec.Cmd) *exec.Cmd {
		if cred != nil {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return c
	}
	data := filepath.Join(dir, "data")
	if out, err := asServer(exec.Command(filepath.Join(binDir, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")).CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	port := strconv.Itoa(freePort(t))
	dsn := fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", port)
	// The port opens before the server accepts sessions ("the database
	// system is starting up"), so ready means a session works.
	p := &storeProcess{name: "postgres", ready: func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return false
		}
		defer c.Close(context.Background())
		return c.Ping(ctx) == nil
	}}
	p.start = func() *exec.Cmd {
		return asServer(exec.Command(filepath.Join(binDir, "postgres"), "-D", data, "-p", port, "-k", dir,
			"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"))
	}
	p.run(t)
	t.Cleanup(func() { p.stop(t) })
	return p, dsn
}

// requireTool skips without a tool the test needs, except under CI=true.
func requireTool(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found; under CI=true the fault test is required", what)
	}
	t.Skipf("%s not found", what)
}

// A store that goes away in the middle of traffic gives 503s (never a 401,
// never a pass) and readiness false; when it comes back, traffic recovers
// by itself, without a restart, with every grant still there.
func TestStoreOutageFailsClosedAndRecovers(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(*testing.T) (*storeProcess, string)
		be    func(*testing.T, string) backend
	}{
		{"redis", ownRedis, redisBackendAt},
		{"postgres", ownPostgres, postgresBackendAt},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			proc, addr := tc.start(t)
			s := startServer(t, tc.be(t, addr).Env...)
			ms := &mcpServer{server: s}
			public := publicAuth(demoClientID)
			tok := s.login(t, newBrowser(t, s), s.demoConfig(t, "read", "write"), "alice")

			// Traffic: whoami in a loop, every status recorded.
			var mu sync.Mutex
			seen := map[int]int{}
			stopTraffic := make(chan struct{})
			var wg sync.WaitGroup
			wg.Go(func() {
				for {
					select {
					case <-stopTraffic:
						return
					default:
					}
					st := ms.callTool(t, tok.AccessToken, "whoami", nil).Status
					mu.Lock()
					seen[st]++
					mu.Unlock()
					time.Sleep(20 * time.Millisecond)
				}
			})
			counts := func() map[int]int {
				mu.Lock()
				defer mu.Unlock()
				out := map[int]int{}
				for k, v := range seen {
					out[k] = v
				}
				return out
			}

			waitFor(t, 10*time.Second, "traffic flows", func() bool { return counts()[http.StatusOK] > 3 })
			proc.stop(t)
			waitFor(t, 15*time.Second, "503 once the store is gone", func() bool { return counts()[http.StatusServiceUnavailable] > 3 })
			if st := s.get(t, s.URL+"/readyz").Status; st != http.StatusServiceUnavailable {
				t.Errorf("/readyz with the store down: %d, want 503", st)
			}
			if ex := s.refresh(t, tok.RefreshToken, "", public); ex.Status != http.StatusServiceUnavailable {
				t.Errorf("refresh with the store down: %d, want 503\n%s", ex.Status, ex)
			}

			proc.run(t)
			okBefore := counts()[http.StatusOK]
			waitFor(t, 30*time.Second, "traffic recovers", func() bool { return counts()[http.StatusOK] > okBefore+3 })
			close(stopTraffic)
			wg.Wait()
			for st, n := range counts() {
				if st != http.StatusOK && st != http.StatusServiceUnavailable {
					t.Errorf("%d responses with status %d: an outage must give 503, never anything else", n, st)
				}
			}
			if st := s.get(t, s.URL+"/readyz").Status; st != http.StatusOK {
				t.Errorf("/readyz after recovery: %d, want 200", st)
			}
			if ex := s.refresh(t, tok.RefreshToken, "", public); ex.Status != http.StatusOK {
				t.Errorf("the grant made before the outage does not refresh after it: %s", ex)
			}
			t.Logf("statuses during the run: %v", counts())
		})
	}
}
