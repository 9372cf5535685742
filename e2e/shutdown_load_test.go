package e2e

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// SIGTERM in the middle of traffic: every request the server accepted is
// answered whole, and every tool call it answered is in the audit trail
// (Redis stream, written off the request path) once the process has exited.
func TestShutdownUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	be := redisBackend(t)
	s := startServer(t, append(be.Env, "GATEHOUSE_RATELIMIT__ENABLED=false")...)
	ms := &mcpServer{server: s}
	tok := runCLI(t, append([]string{"GATEHOUSE_SERVER__BASE_URL=" + s.URL}, be.Env...), "token", "--sub", "alice", "--scope", "read")
	tok = strings.TrimSpace(tok)

	var mu sync.Mutex
	answered, cutShort := 0, 0
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req := ms.newRPCRequest(t, rpcCall{Method: "tools/call", Params: map[string]any{"name": "whoami", "arguments": map[string]any{}}, Bearer: tok})
				resp, err := client.Do(req)
				if err != nil {
					// Refused or reset before a response began: the server had
					// stopped accepting; not an answered request.
					continue
				}
				body, rerr := io.ReadAll(resp.Body)
				resp.Body.Close()
				mu.Lock()
				switch {
				case rerr != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"subject":"alice"`):
					cutShort++
				default:
					answered++
				}
				mu.Unlock()
			}
		})
	}
	waitFor(t, 10*time.Second, "traffic flows", func() bool { mu.Lock(); defer mu.Unlock(); return answered > 50 })
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("gatehouse did not exit within 20s of SIGTERM")
	}
	close(stop)
	wg.Wait()

	if cutShort > 0 {
		t.Errorf("%d requests were answered with an error or cut short during shutdown", cutShort)
	}
	opts, err := goredis.ParseURL(envValue(be.Env, "GATEHOUSE_STORE__REDIS__URL"))
	if err != nil {
		t.Fatal(err)
	}
	c := goredis.NewClient(opts)
	defer c.Close()
	n, err := c.XLen(t.Context(), envValue(be.Env, "GATEHOUSE_STORE__REDIS__PREFIX")+"audit").Result()
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != answered {
		t.Errorf("audit trail holds %d invocations, %d calls were answered: shutdown lost entries", n, answered)
	}
	t.Logf("answered %d calls during the run; audit trail holds %d", answered, n)
}
