package e2e

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// runCLIInput runs a gatehouse command with stdin and returns its stdout.
func runCLIInput(t *testing.T, env []string, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, gatehouseBin, args...)
	cmd.Env = append(cleanEnv(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gatehouse %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// A user created with `gatehouse users add` logs in through the real pages
// in headless Chromium; once `gatehouse users disable` has run, the same
// login is refused on the login page.
func TestCLIUserLogsInThroughChromium(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true: %v", chromiumPath, err)
		}
		t.Skipf("%s not installed: %v", chromiumPath, err)
	}
	be := redisBackend(t)
	const password = "Carol-pass-2026"
	runCLIInput(t, be.Env, password+"\n", "users", "add", "carol", "--scopes", "read write", "--password-stdin")
	s := startServer(t, be.Env...)

	got := make(chan url.Values, 4)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte("<!doctype html><title>done</title><p>signed in</p>"))
	}))
	t.Cleanup(cb.Close)
	redirect := "http://localhost:" + strconv.Itoa(cb.Listener.Addr().(*net.TCPAddr).Port) + "/callback"
	conf := s.oauthConfig(demoClientID, "", redirect, "read")

	// login runs the pages in a fresh browser profile and returns the text
	// of the page it ends on, or the callback's query.
	login := func(t *testing.T) (string, url.Values) {
		t.Helper()
		req := s.newAuthRequest(conf)
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, chromedp.ExecPath(chromiumPath), chromedp.Headless,
			chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true),
			chromedp.NoFirstRun, chromedp.UserDataDir(userDataDir(t)))
		defer cancelAlloc()
		b, cancelBrowser := chromedp.NewContext(alloc)
		defer cancelBrowser()
		err := chromedp.Do(b,
			chromedp.Navigate(req.URL),
			chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "carol"),
			chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)),
			// Either page: consent's allow button, or the login form again.
			chromedp.WaitVisible(chromedp.CSS(`button[name=decision][value=allow], p.error`)),
		)
		if err != nil {
			t.Fatalf("login pages: %v", err)
		}
		text, err := chromedp.Run(b, chromedp.Text(chromedp.CSS("body")))
		if err != nil {
			t.Fatalf("page text: %v", err)
		}
		if strings.Contains(text, "Allow") || strings.Contains(text, "allow") {
			if err := chromedp.Do(b, chromedp.Click(chromedp.CSS(`button[name=decision][value=allow]`))); err != nil {
				t.Fatalf("consent: %v", err)
			}
			select {
			case q := <-got:
				if tok, _ := s.exchangeCode(t, conf, q.Get("code"), req.Verifier); tok == nil {
					t.Fatal("no token for the code")
				} else if sub := s.verifyAccessToken(t, tok.AccessToken).Subject; sub != "carol" {
					t.Errorf("sub = %q, want carol", sub)
				}
				return text, q
			case <-time.After(15 * time.Second):
				t.Fatal("the browser never reached the callback")
			}
		}
		return text, nil
	}

	if _, q := login(t); q == nil || q.Get("code") == "" {
		t.Fatal("the CLI-created user could not log in")
	}
	runCLI(t, be.Env, "users", "disable", "carol")
	text, q := login(t)
	if q != nil || !strings.Contains(text, "Invalid username or password") {
		t.Errorf("disabled user: callback %v, page %q; want the login page refusing", q, text)
	}
}
