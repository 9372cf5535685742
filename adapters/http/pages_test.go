package http

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"gatehouse/domain"
)

const testVerifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-padded-to-length"

func challengeOf(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func authorizeURL(extra url.Values) string {
	q := url.Values{
		"client_id": {publicID}, "redirect_uri": {publicRedirect}, "response_type": {"code"}, "state": {"st-1"},
		"scope": {"read"}, "code_challenge": {challengeOf(testVerifier)}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return "/auth/authorize?" + q.Encode()
}

var hiddenInput = regexp.MustCompile(`name="(request_id|csrf_token)" value="([^"]*)"`)

func hiddenValue(t *testing.T, body, name string) string {
	t.Helper()
	for _, m := range hiddenInput.FindAllStringSubmatch(body, -1) {
		if m[1] == name {
			return m[2]
		}
	}
	t.Fatalf("page has no %s field:\n%s", name, body)
	return ""
}

func cookieNamed(rec *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func checkPageHeaders(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	h := rec.Header()
	if got := h.Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
	if got := h.Get("Content-Security-Policy"); !strings.Contains(got, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy = %q, want frame-ancestors 'none'", got)
	}
	if got := h.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := h.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("Referrer-Policy = %q, want no-referrer", got)
	}
}

func checkCookie(t *testing.T, rec *httptest.ResponseRecorder, name string, secure bool) *http.Cookie {
	t.Helper()
	c := cookieNamed(rec, name)
	if c == nil {
		t.Fatalf("no cookie %q in %v", name, rec.Header().Values("Set-Cookie"))
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure != secure || c.Path != "/" || c.Domain != "" || c.MaxAge <= 0 {
		t.Errorf("cookie %s = %+v, want HttpOnly, SameSite=Lax, Secure=%v, Path=/, no Domain, Max-Age > 0", name, c, secure)
	}
	return c
}

func TestAuthorizationPagesAreHardenedAndBindTheBrowser(t *testing.T) {
	tests := []struct {
		name          string
		base          string
		secure        bool
		browser, sess string
	}{
		{name: "https", base: "https://mcp.example.com", secure: true, browser: "__Host-gh_browser", sess: "__Host-gh_login"},
		{name: "http", base: testBase, secure: false, browser: "gh_browser", sess: "gh_login"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withConfig(func(c *Config) { c.BaseURL, c.Secure = tt.base, tt.secure }))

			rec := e.do(httptest.NewRequest(http.MethodGet, authorizeURL(nil), nil))
			wantStatus(t, rec, http.StatusOK)
			checkPageHeaders(t, rec)
			browser := checkCookie(t, rec, tt.browser, tt.secure)
			if other := cookieNamed(rec, "gh_browser"); tt.secure && other != nil {
				t.Errorf("unprefixed cookie set under https: %+v", other)
			}
			if !strings.Contains(rec.Body.String(), `name="password"`) {
				t.Fatalf("not the login page:\n%s", rec.Body)
			}

			login := formPost("/auth/login", url.Values{
				"request_id": {hiddenValue(t, rec.Body.String(), "request_id")}, "username": {"alice"}, "password": {alicePassword},
			})
			login.AddCookie(browser)
			rec = e.do(login)
			wantStatus(t, rec, http.StatusOK)
			checkPageHeaders(t, rec)
			checkCookie(t, rec, tt.sess, tt.secure)
			body := rec.Body.String()
			if !strings.Contains(body, `value="allow"`) || !strings.Contains(body, "Public App") {
				t.Fatalf("not the consent page:\n%s", body)
			}

			consent := formPost("/auth/consent", url.Values{
				"request_id": {hiddenValue(t, body, "request_id")}, "csrf_token": {hiddenValue(t, body, "csrf_token")}, "decision": {"allow"},
			})
			consent.AddCookie(browser)
			rec = e.do(consent)
			wantStatus(t, rec, http.StatusSeeOther)
			checkPageHeaders(t, rec)
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatalf("Location: %v", err)
			}
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != publicRedirect {
				t.Errorf("redirected to %s, want %s", got, publicRedirect)
			}
			if q := loc.Query(); q.Get("code") == "" || q.Get("state") != "st-1" || q.Get("iss") != testBase {
				t.Errorf("redirect query = %v, want code, state st-1, iss %s", q, testBase)
			}

			exchange := formPost("/auth/token", url.Values{
				"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")}, "redirect_uri": {publicRedirect},
				"code_verifier": {testVerifier}, "client_id": {publicID},
			})
			rec = e.do(exchange)
			wantStatus(t, rec, http.StatusOK)
			if !strings.Contains(rec.Body.String(), `"refresh_token"`) {
				t.Errorf("code exchange answered %s, want tokens", rec.Body)
			}
		})
	}
}

func TestLoginWithWrongPasswordShowsTheFormAgain(t *testing.T) {
	e := newEdge(t)
	rec := e.do(httptest.NewRequest(http.MethodGet, authorizeURL(nil), nil))
	wantStatus(t, rec, http.StatusOK)
	login := formPost("/auth/login", url.Values{
		"request_id": {hiddenValue(t, rec.Body.String(), "request_id")}, "username": {"alice"}, "password": {"wrong"},
	})
	login.AddCookie(cookieNamed(rec, "gh_browser"))
	rec = e.do(login)
	wantStatus(t, rec, http.StatusUnauthorized)
	checkPageHeaders(t, rec)
	if cookieNamed(rec, "gh_login") != nil {
		t.Error("a failed login set a login session cookie")
	}
	if !strings.Contains(rec.Body.String(), `role="alert"`) || !strings.Contains(rec.Body.String(), `value="alice"`) {
		t.Errorf("login page lacks the error or the username:\n%s", rec.Body)
	}
}

func TestAuthorizeErrorsBeforeTrustAreShownNotRedirected(t *testing.T) {
	tests := []struct {
		name  string
		extra url.Values
		raw   string
	}{
		{name: "unknown client", extra: url.Values{"client_id": {"nobody"}}},
		{name: "unregistered redirect", extra: url.Values{"redirect_uri": {"https://evil.example/cb"}}},
		{name: "repeated client_id", raw: "&client_id=" + publicID},
		{name: "repeated redirect_uri", raw: "&redirect_uri=" + url.QueryEscape("https://evil.example/cb")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t)
			rec := e.do(httptest.NewRequest(http.MethodGet, authorizeURL(tt.extra)+tt.raw, nil))
			wantStatus(t, rec, http.StatusBadRequest)
			checkPageHeaders(t, rec)
			if loc := rec.Header().Get("Location"); loc != "" {
				t.Errorf("redirected to %s", loc)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", got)
			}
		})
	}
}

func TestAuthorizeErrorsAfterTrustAreRedirected(t *testing.T) {
	e := newEdge(t)
	rec := e.do(httptest.NewRequest(http.MethodGet, authorizeURL(url.Values{"code_challenge_method": {"plain"}}), nil))
	wantStatus(t, rec, http.StatusFound)
	checkPageHeaders(t, rec)
	loc, err := url.Parse(rec.Header().Get("Location"))
	if err != nil {
		t.Fatalf("Location: %v", err)
	}
	if q := loc.Query(); q.Get("error") != "invalid_request" || q.Get("state") != "st-1" {
		t.Errorf("redirect query = %v, want error invalid_request and state", q)
	}
}

func TestConsentNeedsADecision(t *testing.T) {
	e := newEdge(t)
	rec := e.do(formPost("/auth/consent", url.Values{"decision": {"maybe"}}))
	wantStatus(t, rec, http.StatusBadRequest)
	checkPageHeaders(t, rec)
}

func TestClientLabel(t *testing.T) {
	long := strings.Repeat("é", 100)
	tests := []struct {
		name, clientName, id, want string
	}{
		{name: "name", clientName: "App", id: "id", want: "App"},
		{name: "id when unnamed", id: "https://app.example/meta.json", want: "https://app.example/meta.json"},
		{name: "long names cut by runes", clientName: long, id: "id", want: strings.Repeat("é", 80) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clientLabel(domain.Client{Name: tt.clientName, ID: tt.id}); got != tt.want {
				t.Errorf("clientLabel = %q, want %q", got, tt.want)
			}
		})
	}
}
