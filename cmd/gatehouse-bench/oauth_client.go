package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
)

// flowRedirectURI is where every bench client is sent back to. Nothing
// listens there: the harness reads the code from the Location header.
const flowRedirectURI = "http://127.0.0.1:3000/callback"

func postForm(ctx context.Context, c *http.Client, endpoint string, form url.Values, prepare func(*http.Request)) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if prepare != nil {
		prepare(req)
	}
	return req, nil
}

// clientCredentialsStep asks endpoint for a token as a confidential client
// (HTTP Basic).
func clientCredentialsStep(c *http.Client, endpoint, id, secret string) step {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"read"}}
	return func(ctx context.Context) error {
		req, err := postForm(ctx, c, endpoint, form, func(r *http.Request) {
			r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		})
		if err != nil {
			return err
		}
		_, err = exchange(c, req, func(resp *http.Response, body []byte) error {
			if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte(`"access_token"`)) {
				return fmt.Errorf("token: status %d: %.300s", resp.StatusCode, body)
			}
			return nil
		})
		return err
	}
}

// refreshStep rotates one chain of refresh tokens: every step presents the
// token the previous one returned, as a client does.
func refreshStep(c *http.Client, endpoint, clientID, first string) step {
	current := first
	return func(ctx context.Context) error {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {current}, "client_id": {clientID}}
		req, err := postForm(ctx, c, endpoint, form, nil)
		if err != nil {
			return err
		}
		tr, err := tokenExchange(c, req)
		if err != nil {
			return err
		}
		if tr.RefreshToken == "" {
			return errors.New("refresh: no refresh_token in the answer")
		}
		current = tr.RefreshToken
		return nil
	}
}

func tokenExchange(c *http.Client, req *http.Request) (tokenResponse, error) {
	var tr tokenResponse
	_, err := exchange(c, req, func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("token: status %d: %.300s", resp.StatusCode, body)
		}
		return json.Unmarshal(body, &tr)
	})
	return tr, err
}

// flowClient plays a browser and a public client through the
// authorization code flow with PKCE: authorize, login, consent, token. base
// is the authorization server (Gatehouse, or the floor's /flow).
type flowClient struct {
	base     string
	resource string
	user     string
	rt       http.RoundTripper
}

var (
	requestIDField = regexp.MustCompile(`name="request_id" value="([^"]*)"`)
	csrfField      = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
)

// flowResult is what one flow ended with; Consented is false when the
// server skipped the consent page (consent remembered).
type flowResult struct {
	Token     tokenResponse
	Consented bool
}

// run is one whole flow in a fresh browser (no cookies), so the user signs
// in every time.
func (f flowClient) run(ctx context.Context, clientID string) (flowResult, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: f.rt, Jar: jar, Timeout: readyLimit,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	verifier := newSecret()
	sum := sha256.Sum256([]byte(verifier))
	state := newSecret()[:16]
	q := url.Values{
		"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {flowRedirectURI}, "scope": {"read"},
		"state": {state}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"}, "resource": {f.resource},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.base+"/auth/authorize?"+q.Encode(), nil)
	if err != nil {
		return flowResult{}, err
	}
	page, err := f.page(c, req, "authorize")
	if err != nil {
		return flowResult{}, err
	}
	requestID, err := field(page, requestIDField, "login page", "request_id")
	if err != nil {
		return flowResult{}, err
	}

	req, err = postForm(ctx, c, f.base+"/auth/login", url.Values{
		"request_id": {requestID}, "username": {f.user}, "password": {demoPassword}}, nil)
	if err != nil {
		return flowResult{}, err
	}
	resp, page, err := f.send(c, req)
	if err != nil {
		return flowResult{}, fmt.Errorf("login: %w", err)
	}
	var out flowResult
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		if resp.StatusCode != http.StatusOK {
			return flowResult{}, fmt.Errorf("login: status %d: %.300s", resp.StatusCode, page)
		}
		csrf, err := field(page, csrfField, "consent page", "csrf_token")
		if err != nil {
			return flowResult{}, err
		}
		req, err = postForm(ctx, c, f.base+"/auth/consent", url.Values{
			"request_id": {requestID}, "csrf_token": {csrf}, "decision": {"allow"}}, nil)
		if err != nil {
			return flowResult{}, err
		}
		if resp, page, err = f.send(c, req); err != nil {
			return flowResult{}, fmt.Errorf("consent: %w", err)
		}
		out.Consented = true
	}
	code, err := codeFrom(resp, page, state)
	if err != nil {
		return flowResult{}, err
	}

	req, err = postForm(ctx, c, f.base+"/auth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {flowRedirectURI},
		"client_id": {clientID}, "code_verifier": {verifier}, "resource": {f.resource}}, nil)
	if err != nil {
		return flowResult{}, err
	}
	if out.Token, err = tokenExchange(c, req); err != nil {
		return flowResult{}, err
	}
	return out, nil
}

func (f flowClient) send(c *http.Client, req *http.Request) (*http.Response, string, error) {
	var page string
	resp, err := exchange(c, req, func(_ *http.Response, body []byte) error {
		page = string(body)
		return nil
	})
	return resp, page, err
}

func (f flowClient) page(c *http.Client, req *http.Request, what string) (string, error) {
	resp, page, err := f.send(c, req)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: status %d: %.300s", what, resp.StatusCode, page)
	}
	return page, nil
}

func field(page string, re *regexp.Regexp, where, name string) (string, error) {
	m := re.FindStringSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("%s has no %s: %.300s", where, name, page)
	}
	return html.UnescapeString(m[1]), nil
}

// codeFrom reads the code from the redirect back to the client.
func codeFrom(resp *http.Response, page, state string) (string, error) {
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), flowRedirectURI) {
		return "", fmt.Errorf("want a redirect to the client, got status %d to %q: %.300s", resp.StatusCode, resp.Header.Get("Location"), page)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", fmt.Errorf("redirect carries error=%s (%s)", e, q.Get("error_description"))
	}
	if q.Get("state") != state || q.Get("code") == "" {
		return "", fmt.Errorf("redirect without code or with another state: %s", loc)
	}
	return q.Get("code"), nil
}

// clientPool hands out clients registered with dynamic client registration
// (RFC 7591), one per flow, so that every flow meets the consent page:
// Gatehouse remembers a user's consent per client.
type clientPool struct {
	c        *http.Client
	endpoint string
	mu       sync.Mutex
	ids      []string
	inline   int // registrations a timed flow had to wait for
}

// fill registers clients until n are waiting; done between timed runs.
func (p *clientPool) fill(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		have := len(p.ids)
		p.mu.Unlock()
		if have >= n {
			return nil
		}
		id, err := p.register(ctx)
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.ids = append(p.ids, id)
		p.mu.Unlock()
	}
}

// take returns an unused client, registering one on the spot (and counting
// it) when the pool ran dry.
func (p *clientPool) take(ctx context.Context) (string, error) {
	p.mu.Lock()
	if n := len(p.ids); n > 0 {
		id := p.ids[n-1]
		p.ids = p.ids[:n-1]
		p.mu.Unlock()
		return id, nil
	}
	p.inline++
	p.mu.Unlock()
	return p.register(ctx)
}

func (p *clientPool) register(ctx context.Context) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"client_name": "gatehouse-bench", "redirect_uris": []string{flowRedirectURI},
		"token_endpoint_auth_method": "none", "grant_types": []string{"authorization_code", "refresh_token"},
		"application_type": "native",
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	var out struct {
		ClientID string `json:"client_id"`
	}
	_, err = exchange(p.c, req, func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusCreated {
			return fmt.Errorf("register: status %d: %.300s", resp.StatusCode, body)
		}
		return json.Unmarshal(body, &out)
	})
	if err == nil && out.ClientID == "" {
		err = errors.New("register: no client_id")
	}
	return out.ClientID, err
}
