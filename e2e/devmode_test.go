package e2e

import (
	"errors"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDevelopmentModeStartsLoudlyWithDemoData(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	for _, want := range []string{demoClientID, demoServiceID, s.URL} {
		if !s.waitOutput(want, 2*time.Second) {
			t.Errorf("start-up output does not mention %q", want)
		}
	}
	if !strings.Contains(strings.ToLower(s.Output()), "development mode") {
		t.Errorf("start-up output does not say it runs in development mode")
	}
	if strings.Contains(s.Output(), demoServiceSecret) {
		t.Logf("note: the demo-service secret is printed; fine for development mode only")
	}
	if ex := s.get(t, s.URL+"/healthz"); ex.Status != http.StatusOK {
		t.Errorf("healthz: want 200\n%s", ex)
	}

	s.stop(t)
	if code := s.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0 (graceful shutdown)", code)
	}
}

func TestDemoUsersOnANonLoopbackAddress(t *testing.T) {
	t.Parallel()

	t.Run("refused without the explicit key", func(t *testing.T) {
		port := strconv.Itoa(freePort(t))
		out, err := runToExit(t, 5*time.Second,
			"GATEHOUSE_SERVER__LISTEN=0.0.0.0:"+port,
			"GATEHOUSE_SERVER__BASE_URL=http://127.0.0.1:"+port,
		)
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Errorf("want a non-zero exit, got %v\n%s", err, out)
		}
		if !strings.Contains(out, "auth.builtin.demo_users_allow_remote") {
			t.Errorf("message does not name auth.builtin.demo_users_allow_remote:\n%s", out)
		}
	})

	t.Run("allowed with the explicit key", func(t *testing.T) {
		s := startServerListening(t, "0.0.0.0", "GATEHOUSE_AUTH__BUILTIN__DEMO_USERS_ALLOW_REMOTE=true")
		if ex := s.get(t, s.URL+"/.well-known/oauth-authorization-server"); ex.Status != http.StatusOK {
			t.Errorf("metadata: want 200\n%s", ex)
		}
	})
}
