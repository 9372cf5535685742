package app_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"testing"
	"time"

	"gatehouse/adapters/password"
	"gatehouse/adapters/store/memory"
	"gatehouse/app"
	"gatehouse/domain"
)

const (
	testIssuer   = "https://auth.example"
	testResource = "https://mcp.example/mcp"
	testState    = "state-123"

	alicePassword = "alice-password"
	bobPassword   = "bob-password"

	// publicID is a public client of a native app with a loopback redirect.
	publicID       = "public-app"
	publicRedirect = "http://127.0.0.1/callback"
	// otherID is a second public client, to present what publicID was issued.
	otherID       = "other-app"
	otherRedirect = "https://other.example/cb"
	// confID is a confidential client with every grant type.
	confID       = "conf-app"
	confSecret   = "conf-secret"
	confRedirect = "https://conf.example/cb?tenant=t1"
	// noRefreshID registered the authorization code grant alone.
	noRefreshID       = "no-refresh-app"
	noRefreshRedirect = "https://norefresh.example/cb"
	// ccOnlyID is a confidential client for client_credentials alone.
	ccOnlyID       = "cc-only-app"
	ccOnlySecret   = "cc-only-secret"
	ccOnlyRedirect = "https://cc.example/cb"
)

// harness is an authorization server over the memory store, with fake
// tokens and a fake clock.
type harness struct {
	// redirects remembers the redirect URI each code was issued for, so
	// exchange repeats it as RFC 6749 §4.1.3 requires.
	redirects map[string]string
	srv       *app.AuthServer
	store     *memory.Store
	clock     *fakeClock
	tokens    *fakeTokens
	cfg       app.AuthServerConfig
}

func testConfig() app.AuthServerConfig {
	return app.AuthServerConfig{
		Issuer:               testIssuer,
		Resources:            []string{testResource, "https://mcp.example/other"},
		AccessTokenTTL:       5 * time.Minute,
		RefreshTokenTTL:      24 * time.Hour,
		CodeTTL:              time.Minute,
		AuthRequestTTL:       10 * time.Minute,
		LoginSessionTTL:      8 * time.Hour,
		SupportedScopes:      domain.ParseScopes("admin read write"),
		RegistrationPolicy:   "open",
		RegistrationScopes:   domain.ParseScopes("read write"),
		AllowPublicClients:   true,
		IntrospectionClients: []string{confID},
	}
}

// newHarness builds the server; edit may change the configuration or the
// dependencies before it is built.
func newHarness(t *testing.T, edit ...func(*app.AuthServerConfig, *app.AuthServerDeps)) *harness {
	t.Helper()
	clock := newFakeClock()
	store := memory.New()
	tokens := &fakeTokens{key: []byte("test-hmac-key"), issuer: testIssuer, clock: clock}
	hasher := password.New(password.Params{Memory: 1024, Time: 1, Threads: 1})
	users := memoryUsers(
		domain.User{Username: "alice", PasswordHash: mustHash(t, hasher, alicePassword), Scopes: domain.ParseScopes("admin read write")},
		domain.User{Username: "bob", PasswordHash: mustHash(t, hasher, bobPassword), Scopes: domain.ParseScopes("read")},
	)
	st := store.Stores()
	cfg := testConfig()
	deps := app.AuthServerDeps{
		Clients: st.Clients, Grants: st.Grants, Revocations: st.Revocations, AuthRequests: st.AuthRequests,
		Consents: st.Consents, Sessions: st.Sessions, Users: users, Passwords: hasher,
		Issuer: tokens, Verifier: tokens, Clock: clock.Now,
	}
	for _, e := range edit {
		e(&cfg, &deps)
	}
	srv, err := app.NewAuthServer(cfg, deps)
	if err != nil {
		t.Fatalf("NewAuthServer: %v", err)
	}
	h := &harness{srv: srv, store: store, clock: clock, tokens: tokens, cfg: cfg}
	for _, c := range testClients() {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatalf("seed client %s: %v", c.ID, err)
		}
	}
	return h
}

func memoryUsers(users ...domain.User) *memory.Users { return memory.NewUsers(users...) }

func testClients() []domain.Client {
	codeAndRefresh := []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
	rw := domain.ParseScopes("read write")
	return []domain.Client{
		{ID: publicID, TokenEndpointAuthMethod: domain.AuthMethodNone, RedirectURIs: []string{publicRedirect, "https://app.example/cb"},
			GrantTypes: codeAndRefresh, ResponseTypes: []string{"code"}, Scopes: rw},
		{ID: otherID, TokenEndpointAuthMethod: domain.AuthMethodNone, RedirectURIs: []string{otherRedirect},
			GrantTypes: codeAndRefresh, ResponseTypes: []string{"code"}, Scopes: rw},
		{ID: confID, TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic, SecretHash: domain.HashSecret(confSecret),
			RedirectURIs: []string{confRedirect}, ResponseTypes: []string{"code"}, Scopes: rw,
			GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials, domain.GrantRefreshToken}},
		{ID: noRefreshID, TokenEndpointAuthMethod: domain.AuthMethodNone, RedirectURIs: []string{noRefreshRedirect},
			GrantTypes: []string{domain.GrantAuthorizationCode}, ResponseTypes: []string{"code"}, Scopes: rw},
		{ID: ccOnlyID, TokenEndpointAuthMethod: domain.AuthMethodClientSecretPost, SecretHash: domain.HashSecret(ccOnlySecret),
			RedirectURIs: []string{ccOnlyRedirect}, GrantTypes: []string{domain.GrantClientCredentials}, Scopes: rw},
	}
}

func mustHash(t *testing.T, h password.Argon2id, pw string) string {
	t.Helper()
	s, err := h.HashPassword(pw)
	if err != nil {
		t.Fatalf("hash password: %v", err)
	}
	return s
}

// pkce is a code verifier with its S256 challenge.
type pkce struct{ verifier, challenge string }

func newPKCE(t *testing.T) pkce {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random verifier: %v", err)
	}
	v := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(v))
	return pkce{verifier: v, challenge: base64.RawURLEncoding.EncodeToString(sum[:])}
}

// browser carries the cookies a user agent would keep between steps.
type browser struct{ secret, login string }

func authParams(clientID, redirectURI, scope string, pk pkce) app.AuthorizeParams {
	return app.AuthorizeParams{
		ClientID: clientID, RedirectURI: redirectURI, ResponseType: "code", State: testState, Scope: scope,
		CodeChallenge: pk.challenge, CodeChallengeMethod: domain.PKCEMethodS256,
	}
}

func (h *harness) start(t *testing.T, b *browser, p app.AuthorizeParams) (app.AuthorizeOutcome, error) {
	t.Helper()
	p.BrowserSecret, p.LoginSecret = b.secret, b.login
	out, err := h.srv.StartAuthorization(t.Context(), p)
	if out.NewBrowserSecret != "" {
		b.secret = out.NewBrowserSecret
	}
	return out, err
}

func (h *harness) login(t *testing.T, b *browser, requestID, user, pw string) (app.AuthorizeOutcome, error) {
	t.Helper()
	out, err := h.srv.Login(t.Context(), app.LoginParams{RequestID: requestID, BrowserSecret: b.secret, Username: user, Password: pw})
	if out.NewLoginSecret != "" {
		b.login = out.NewLoginSecret
	}
	return out, err
}

func (h *harness) consent(t *testing.T, b *browser, out app.AuthorizeOutcome, allow bool) (app.AuthorizeOutcome, error) {
	t.Helper()
	return h.srv.Consent(t.Context(), app.ConsentParams{
		RequestID: out.Request.ID, BrowserSecret: b.secret, CSRFToken: out.CSRFToken, Allow: allow,
	})
}

func passwordOf(user string) string {
	if user == "bob" {
		return bobPassword
	}
	return alicePassword
}

// mustStep fails the test unless out is at step want.
func mustStep(t *testing.T, out app.AuthorizeOutcome, err error, want app.Step) app.AuthorizeOutcome {
	t.Helper()
	if err != nil {
		t.Fatalf("got error %v, want step %d", err, want)
	}
	if out.Step != want {
		t.Fatalf("step = %d, want %d (outcome %+v)", out.Step, want, out)
	}
	return out
}

// loggedIn starts an authorization in a new browser and logs in, returning
// the consent (or, if consent is remembered, redirect) outcome.
func (h *harness) loggedIn(t *testing.T, b *browser, p app.AuthorizeParams, user string) (app.AuthorizeOutcome, error) {
	t.Helper()
	out, err := h.start(t, b, p)
	out = mustStep(t, out, err, app.StepLogin)
	return h.login(t, b, out.Request.ID, user, passwordOf(user))
}

// authorize drives StartAuthorization → Login → Consent for user and returns
// the authorization code from the success redirect.
func (h *harness) authorize(t *testing.T, b *browser, p app.AuthorizeParams, user string) string {
	t.Helper()
	out, err := h.loggedIn(t, b, p, user)
	if err == nil && out.Step == app.StepConsent {
		out, err = h.consent(t, b, out, true)
	}
	out = mustStep(t, out, err, app.StepRedirect)
	code := codeFrom(t, out.RedirectURL, p.RedirectURI)
	if h.redirects == nil {
		h.redirects = map[string]string{}
	}
	h.redirects[code] = p.RedirectURI
	return code
}

// codeFrom checks a success redirect (target, state, iss) and returns its code.
func codeFrom(t *testing.T, redirectURL, redirectURI string) string {
	t.Helper()
	q := redirectQuery(t, redirectURL, redirectURI)
	if got := q.Get("state"); got != testState {
		t.Errorf("redirect state = %q, want %q", got, testState)
	}
	if got := q.Get("iss"); got != testIssuer {
		t.Errorf("redirect iss = %q, want %q", got, testIssuer)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("redirect %q has no code", redirectURL)
	}
	return code
}

// redirectQuery checks that redirectURL goes to redirectURI (its own query
// parameters kept) and returns the query.
func redirectQuery(t *testing.T, redirectURL, redirectURI string) url.Values {
	t.Helper()
	got, err := url.Parse(redirectURL)
	if err != nil {
		t.Fatalf("parse redirect %q: %v", redirectURL, err)
	}
	want, err := url.Parse(redirectURI)
	if err != nil {
		t.Fatalf("parse redirect URI %q: %v", redirectURI, err)
	}
	if got.Scheme != want.Scheme || got.Host != want.Host || got.Path != want.Path {
		t.Errorf("redirect goes to %s://%s%s, want %s://%s%s", got.Scheme, got.Host, got.Path, want.Scheme, want.Host, want.Path)
	}
	q := got.Query()
	for k, v := range want.Query() {
		if q.Get(k) != v[0] {
			t.Errorf("redirect lost the redirect URI's parameter %s=%s: %q", k, v[0], redirectURL)
		}
	}
	return q
}

func creds(clientID string) app.ClientCredentials {
	switch clientID {
	case confID:
		return app.ClientCredentials{ClientID: confID, Secret: confSecret, Method: domain.AuthMethodClientSecretBasic}
	case ccOnlyID:
		return app.ClientCredentials{ClientID: ccOnlyID, Secret: ccOnlySecret, Method: domain.AuthMethodClientSecretPost}
	default:
		return app.ClientCredentials{ClientID: clientID, Method: domain.AuthMethodNone}
	}
}

func redirectOf(clientID string) string {
	switch clientID {
	case confID:
		return confRedirect
	case otherID:
		return otherRedirect
	case noRefreshID:
		return noRefreshRedirect
	default:
		return publicRedirect
	}
}

func (h *harness) exchange(t *testing.T, clientID, code, verifier string) (app.TokenResponse, error) {
	t.Helper()
	redirect, ok := h.redirects[code]
	if !ok {
		redirect = publicRedirect
	}
	return h.srv.Token(t.Context(), app.TokenRequest{
		Client: creds(clientID), GrantType: domain.GrantAuthorizationCode, Code: code, CodeVerifier: verifier,
		RedirectURI: redirect,
	})
}

func (h *harness) refresh(t *testing.T, clientID, refreshToken, scope string) (app.TokenResponse, error) {
	t.Helper()
	return h.srv.Token(t.Context(), app.TokenRequest{
		Client: creds(clientID), GrantType: domain.GrantRefreshToken, RefreshToken: refreshToken, Scope: scope,
	})
}

// tokensFor runs the whole flow for user at clientID and redeems the code.
func (h *harness) tokensFor(t *testing.T, clientID, user, scope string) app.TokenResponse {
	t.Helper()
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(clientID, redirectOf(clientID), scope, pk), user)
	resp, err := h.exchange(t, clientID, code, pk.verifier)
	if err != nil {
		t.Fatalf("exchange code: %v", err)
	}
	return resp
}

func (h *harness) authenticator() app.Authenticator {
	return app.Authenticator{Verifier: h.tokens, Revocations: h.store, Clock: h.clock.Now}
}

// mustClaims decodes an access token the fake issued.
func (h *harness) mustClaims(t *testing.T, token string) domain.AccessTokenClaims {
	t.Helper()
	c, err := h.tokens.claims(token)
	if err != nil {
		t.Fatalf("decode access token: %v", err)
	}
	return c
}

// isOAuth reports whether err is an OAuth error with the given code.
func isOAuth(err error, code string) bool {
	var oe *domain.OAuthError
	return errors.As(err, &oe) && oe.Code == code
}

// wantCode fails unless err is an OAuth error with the given code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	var oe *domain.OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("error = %v (%T), want OAuth error %s", err, err, code)
	}
	if oe.Code != code {
		t.Fatalf("error code = %q (%v), want %q", oe.Code, err, code)
	}
}

// wantPageError fails unless err is a *PageError with the given code.
func wantPageError(t *testing.T, err error, code string) {
	t.Helper()
	var pe *app.PageError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want *app.PageError %s", err, err, code)
	}
	if pe.Err.Code != code {
		t.Fatalf("page error code = %q (%v), want %q", pe.Err.Code, err, code)
	}
}

// wantRedirectError fails unless err is a *RedirectError with the given code
// whose URL goes back to redirectURI with error, state and iss.
func wantRedirectError(t *testing.T, err error, code, redirectURI string) {
	t.Helper()
	var re *app.RedirectError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want *app.RedirectError %s", err, err, code)
	}
	if re.Err.Code != code {
		t.Fatalf("redirect error code = %q (%v), want %q", re.Err.Code, err, code)
	}
	q := redirectQuery(t, re.RedirectURL, redirectURI)
	for k, want := range map[string]string{"error": code, "state": testState, "iss": testIssuer} {
		if got := q.Get(k); got != want {
			t.Errorf("redirect %s = %q, want %q (%s)", k, got, want, re.RedirectURL)
		}
	}
	if q.Has("code") {
		t.Errorf("error redirect carries a code: %s", re.RedirectURL)
	}
}
