package e2e

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

func TestLoginAndConsentInHeadlessChromium(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI=true: %v", chromiumPath, err)
		}
		t.Skipf("%s not installed: %v", chromiumPath, err)
	}
	s := startServer(t)

	// The client's callback: records what the browser brings back.
	got := make(chan url.Values, 1)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			http.NotFound(w, r)
			return
		}
		select {
		case got <- r.URL.Query():
		default:
		}
		_, _ = w.Write([]byte("<!doctype html><title>done</title><p id=done>signed in</p>"))
	}))
	t.Cleanup(cb.Close)
	redirect := "http://localhost:" + strconv.Itoa(cb.Listener.Addr().(*net.TCPAddr).Port) + "/callback"

	conf := s.oauthConfig(demoClientID, "", redirect, "read", "write")
	req := s.newAuthRequest(conf)

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(userDataDir(t)),
	)
	defer cancelAlloc()
	browserCtx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()

	// where reports the page the browser shows, for failure messages.
	where := func() string {
		loc, _ := chromedp.Run(browserCtx, chromedp.Location())
		body, _ := chromedp.Run(browserCtx, chromedp.Text(chromedp.CSS("body")))
		return loc + "\n" + body
	}
	err := chromedp.Do(browserCtx,
		chromedp.Navigate(req.URL),
		chromedp.WaitVisible(chromedp.CSS(`input[name=username]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=username]`), "alice"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demoPassword),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name=decision][value=allow]`)),
	)
	if err != nil {
		t.Fatalf("login page: %v; browser at %s", err, where())
	}
	consentText, err := chromedp.Run(browserCtx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("consent page text: %v", err)
	}
	if err := chromedp.Do(browserCtx, chromedp.Click(chromedp.CSS(`button[name=decision][value=allow]`))); err != nil {
		t.Fatalf("consent page: %v; browser at %s", err, where())
	}

	var q url.Values
	select {
	case q = <-got:
	case <-time.After(15 * time.Second):
		t.Fatalf("the browser never reached %s; it is at %s", redirect, where())
	}
	for _, want := range []string{"read", "write"} {
		if !containsWord(consentText, want) {
			t.Errorf("consent page does not name the scope %q:\n%s", want, consentText)
		}
	}
	if q.Get("state") != req.State || q.Get("iss") != s.URL || q.Get("code") == "" {
		t.Fatalf("callback got %v, want code, state %q, iss %q", q, req.State, s.URL)
	}
	tok, _ := s.exchangeCode(t, conf, q.Get("code"), req.Verifier)
	if c := s.verifyAccessToken(t, tok.AccessToken); c.Subject != "alice" {
		t.Errorf("sub = %q, want alice", c.Subject)
	}
}

// userDataDir is a fresh Chromium profile. Chromium's helpers may still
// write into it for a moment after the browser exits, so removal retries.
func userDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "gatehouse-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove %s", dir)
	})
	return dir
}

func containsWord(text, word string) bool {
	for i := 0; i+len(word) <= len(text); i++ {
		if text[i:i+len(word)] != word {
			continue
		}
		before := i == 0 || !isWordByte(text[i-1])
		after := i+len(word) == len(text) || !isWordByte(text[i+len(word)])
		if before && after {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
