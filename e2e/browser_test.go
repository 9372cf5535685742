package e2e

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"
)

// browser is a scripted user agent: it keeps cookies, follows redirects
// within the server, and stops at the first redirect that leaves it (the
// client's redirect_uri), as a real browser would hand over to the client.
type browser struct {
	s   *server
	rec *recorder
	c   *http.Client
}

func newBrowser(t *testing.T, s *server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	return &browser{s: s, rec: rec, c: &http.Client{
		Transport: rec,
		Jar:       jar,
		Timeout:   10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != s.Addr {
				return http.ErrUseLastResponse
			}
			if len(via) >= 10 {
				return fmt.Errorf("more than 10 redirects")
			}
			return nil
		},
	}}
}

// outcome is where an authorization attempt ended.
type outcome struct {
	Redirect *url.URL   // the off-server redirect, nil when the server did not redirect away
	Last     exchange   // the final response
	Pages    []exchange // login and consent pages shown on the way
	Trace    []exchange // every exchange of the attempt
}

func (o outcome) String() string {
	var b strings.Builder
	for i, ex := range o.Trace {
		if i < len(o.Trace)-1 {
			loc := ex.Header.Get("Location")
			fmt.Fprintf(&b, "> %s %s  %s\n< %d %s\n", ex.Method, ex.URL, ex.ReqBody, ex.Status, loc)
			continue
		}
		b.WriteString(ex.String())
	}
	return b.String()
}

// authorize opens authURL and plays the user: it logs in as user (when a
// login page appears) and answers the consent page with decision ("allow" or
// "deny"; "" leaves the page unanswered).
func (b *browser) authorize(t *testing.T, authURL, user, decision string) outcome {
	t.Helper()
	start := len(b.rec.log)
	var o outcome
	finish := func() outcome {
		o.Trace = append([]exchange(nil), b.rec.log[start:]...)
		o.Last = b.rec.last()
		return o
	}

	resp, err := b.c.Get(authURL)
	loggedIn, answered := false, false
	for range 6 {
		if err != nil {
			t.Fatalf("browser: %v\n%s", err, finish())
		}
		resp.Body.Close()
		page := resp.Request.URL
		ex := b.rec.last()
		if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" {
			if o.Redirect, err = page.Parse(loc); err != nil {
				t.Fatalf("bad Location %q: %v", loc, err)
			}
			return finish()
		}
		if resp.StatusCode != http.StatusOK {
			return finish()
		}
		var login, consent *htmlForm
		for _, f := range parseForms(ex.Body) {
			switch {
			case f.isLogin() && login == nil:
				login = &f
			case f.isConsent() && consent == nil:
				consent = &f
			}
		}
		switch {
		case login != nil && !loggedIn && user != "":
			loggedIn = true
			o.Pages = append(o.Pages, ex)
			fill := map[string]string{"username": user, "password": demoPassword}
			resp, err = b.submit(page, *login, login.values(fill, nil))
		case consent != nil && !answered && decision != "":
			answered = true
			o.Pages = append(o.Pages, ex)
			click := func(c control) bool { return c.Name == "decision" && c.Value == decision }
			if !consent.has(click) {
				t.Fatalf("consent page has no button[name=decision][value=%s]\n%s", decision, ex)
			}
			resp, err = b.submit(page, *consent, consent.values(nil, click))
		default:
			return finish()
		}
	}
	t.Fatalf("authorization did not finish within 6 pages\n%s", finish())
	return o
}

func (b *browser) submit(page *url.URL, f htmlForm, v url.Values) (*http.Response, error) {
	target, err := f.target(page)
	if err != nil {
		return nil, fmt.Errorf("form action %q: %w", f.Action, err)
	}
	if f.Method == "get" {
		q := *target
		q.RawQuery = v.Encode()
		return b.c.Get(q.String())
	}
	return b.c.PostForm(target.String(), v)
}

// setCookies is every cookie the server set on this browser so far.
func (b *browser) setCookies(t *testing.T) []*http.Cookie {
	t.Helper()
	var out []*http.Cookie
	for _, ex := range b.rec.log {
		for _, line := range ex.Header.Values("Set-Cookie") {
			c, err := http.ParseSetCookie(line)
			if err != nil {
				t.Errorf("unparsable Set-Cookie %q: %v", line, err)
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}
