package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// userAgent is the resource owner behind the SDK's OAuth handler: as its
// AuthorizationCodeFetcher it opens the authorization URL, signs in, allows
// the consent page and hands back code, state and iss from the redirect to
// the client, without following it. It keeps one cookie jar, as a browser
// does; when the next sign-in is a different user it asks for prompt=login.
//
// It returns errors rather than failing the test: the SDK calls it from
// inside its transport.
type userAgent struct {
	c *http.Client

	mu       sync.Mutex
	users    []string // who signs in, one per authorization, in order
	signedIn string
	rounds   []authRound
}

// authRound is one authorization the client asked for.
type authRound struct {
	User  string
	Query url.Values // of the authorization URL as sent
}

func newUserAgent(s *server, users ...string) (*userAgent, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	ua := &userAgent{users: users}
	ua.c = &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != s.Addr || len(via) >= 10 {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return ua, nil
}

// Rounds returns the authorizations made so far.
func (ua *userAgent) Rounds() []authRound {
	ua.mu.Lock()
	defer ua.mu.Unlock()
	return append([]authRound(nil), ua.rounds...)
}

// Fetch is the auth.AuthorizationCodeFetcher.
func (ua *userAgent) Fetch(ctx context.Context, args *auth.AuthorizationArgs) (*auth.AuthorizationResult, error) {
	ua.mu.Lock()
	if len(ua.users) == 0 {
		ua.mu.Unlock()
		return nil, errors.New("user agent: no user left to sign in")
	}
	user := ua.users[0]
	ua.users = ua.users[1:]
	switchUser := ua.signedIn != "" && ua.signedIn != user
	ua.mu.Unlock()

	u, err := url.Parse(args.URL)
	if err != nil {
		return nil, fmt.Errorf("user agent: authorization URL: %w", err)
	}
	if switchUser {
		q := u.Query()
		q.Set("prompt", "login")
		u.RawQuery = q.Encode()
	}
	ua.mu.Lock()
	ua.rounds = append(ua.rounds, authRound{User: user, Query: u.Query()})
	ua.mu.Unlock()

	res, err := ua.authorize(ctx, u.String(), user)
	if err != nil {
		return nil, fmt.Errorf("user agent as %s: %w", user, err)
	}
	ua.mu.Lock()
	ua.signedIn = user
	ua.mu.Unlock()
	return res, nil
}

// authorize walks the login and consent pages until the server redirects
// to the client.
func (ua *userAgent) authorize(ctx context.Context, authURL, user string) (*auth.AuthorizationResult, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return nil, err
	}
	for range 6 {
		resp, err := ua.c.Do(req)
		if err != nil {
			return nil, err
		}
		page := resp.Request.URL
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if loc := resp.Header.Get("Location"); isRedirect(resp.StatusCode) && loc != "" {
			to, err := page.Parse(loc)
			if err != nil {
				return nil, fmt.Errorf("bad Location %q: %w", loc, err)
			}
			q := to.Query()
			if e := q.Get("error"); e != "" {
				return nil, fmt.Errorf("authorization refused: %s (%s)", e, q.Get("error_description"))
			}
			return &auth.AuthorizationResult{Code: q.Get("code"), State: q.Get("state"), Iss: q.Get("iss")}, nil
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s answered %d: %s", page, resp.StatusCode, body)
		}
		if req, err = ua.answer(ctx, page, string(body), user); err != nil {
			return nil, err
		}
	}
	return nil, errors.New("authorization did not finish within 6 pages")
}

// answer fills in the login form as user, or allows the consent form, and
// returns the request that submits it.
func (ua *userAgent) answer(ctx context.Context, page *url.URL, body, user string) (*http.Request, error) {
	for _, f := range parseForms(body) {
		var v url.Values
		switch {
		case f.isLogin():
			v = f.values(map[string]string{"username": user, "password": demoPassword}, nil)
		case f.isConsent():
			v = f.values(nil, func(c control) bool { return c.Name == "decision" && c.Value == "allow" })
		default:
			continue
		}
		target, err := f.target(page)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(v.Encode()))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req, nil
	}
	return nil, fmt.Errorf("%s shows neither a login nor a consent form: %s", page, body)
}
