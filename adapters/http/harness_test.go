package http

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"gatehouse/adapters/password"
	"gatehouse/adapters/store/memory"
	"gatehouse/adapters/token/builtin"
	"gatehouse/app"
	"gatehouse/domain"
)

const (
	testBase   = "http://localhost:8000"
	testHost   = "localhost:8000"
	testMCPURL = testBase + "/mcp"
	testPRM    = testBase + "/.well-known/oauth-protected-resource/mcp"

	publicID       = "public-app"
	publicRedirect = "http://127.0.0.1:3000/callback"
	confID         = "conf-app"
	confSecret     = "conf-secret"

	alicePassword = "alice-password"
)

// setup is what newEdge builds from; options edit it before anything is
// constructed.
type setup struct {
	cfg      Config
	deps     Deps
	authCfg  app.AuthServerConfig
	authDeps app.AuthServerDeps
	// external leaves Deps.Auth nil (resource-server mode).
	external bool
}

type option func(*setup)

// edge is the HTTP edge over the memory store, real use cases, built-in
// tokens and a recording MCP handler.
type edge struct {
	srv   *Server
	store *memory.Store
	mcp   *recordingMCP
}

func newEdge(t testing.TB, opts ...option) *edge {
	t.Helper()
	store := memory.New()
	st := store.Stores()
	hasher := password.New(password.Params{Memory: 1024, Time: 1, Threads: 1})
	aliceHash, err := hasher.HashPassword(alicePassword)
	if err != nil {
		t.Fatalf("hash password: %v", err)
	}
	tokCfg := builtin.Config{Issuer: testBase, Audiences: []string{testMCPURL}}
	keys := builtin.NewKeyManager(store, tokCfg)
	if err := keys.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	verifier := builtin.NewVerifier(keys, tokCfg)
	rec := &recordingMCP{}
	s := &setup{
		cfg: Config{
			BaseURL: testBase, Issuer: testBase, MCPURL: testMCPURL, SigningAlg: builtin.AlgES256,
			ScopesSupported: []string{"read", "write", "admin"}, ResourceScopes: []string{"read"},
			ResourceName: "Test MCP", RegistrationEnabled: true,
		},
		deps: Deps{
			Authenticator: app.Authenticator{Verifier: verifier, Revocations: st.Revocations},
			JWKS:          keys.PublicJWKS,
			Ready:         store.Ping,
			MCP:           rec,
			Gate: &app.ToolGate{Policy: domain.ToolPolicy{
				Rules:   []domain.ToolRule{{Match: "admin_*", Scopes: domain.ParseScopes("admin")}},
				Default: domain.ParseScopes("read"),
			}},
			Sessions: &app.Sessions{Config: app.SessionConfig{TTL: time.Hour, MaxPerUser: 2}, Store: st.Sessions, Clock: time.Now},
		},
		authCfg: app.AuthServerConfig{
			Issuer: testBase, Resources: []string{testMCPURL},
			AccessTokenTTL: 5 * time.Minute, RefreshTokenTTL: time.Hour, CodeTTL: time.Minute,
			AuthRequestTTL: 10 * time.Minute, LoginSessionTTL: 8 * time.Hour,
			SupportedScopes: domain.ParseScopes("read write admin"), RegistrationPolicy: "open",
			RegistrationScopes: domain.ParseScopes("read write"), AllowPublicClients: true,
		},
		authDeps: app.AuthServerDeps{
			Clients: st.Clients, Grants: st.Grants, Revocations: st.Revocations, AuthRequests: st.AuthRequests,
			Consents: st.Consents, Sessions: st.Sessions, Passwords: hasher,
			Users: memory.NewUsers(domain.User{
				Username: "alice", PasswordHash: aliceHash, Scopes: domain.ParseScopes("read write"),
			}),
			Issuer: builtin.NewIssuer(keys), Verifier: verifier,
		},
	}
	for _, o := range opts {
		o(s)
	}
	if !s.external {
		auth, err := app.NewAuthServer(s.authCfg, s.authDeps)
		if err != nil {
			t.Fatalf("NewAuthServer: %v", err)
		}
		s.deps.Auth = auth
	}
	for _, c := range []domain.Client{
		{ID: publicID, TokenEndpointAuthMethod: domain.AuthMethodNone, RedirectURIs: []string{publicRedirect},
			GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}, ResponseTypes: []string{"code"},
			Scopes: domain.ParseScopes("read write"), Name: "Public App"},
		{ID: confID, TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic, SecretHash: domain.HashSecret(confSecret),
			GrantTypes: []string{domain.GrantClientCredentials}, Scopes: domain.ParseScopes("read")},
	} {
		if err := store.CreateClient(t.Context(), c); err != nil {
			t.Fatalf("seed client: %v", err)
		}
	}
	return &edge{srv: New(s.cfg, s.deps), store: store, mcp: rec}
}

func withConfig(f func(*Config)) option { return func(s *setup) { f(&s.cfg) } }
func withDeps(f func(*Deps)) option     { return func(s *setup) { f(&s.deps) } }
func withAuth(f func(*app.AuthServerConfig, *app.AuthServerDeps)) option {
	return func(s *setup) { f(&s.authCfg, &s.authDeps) }
}
func externalMode() option { return func(s *setup) { s.external = true } }

// withAuthenticator replaces the token check with a fake.
func withAuthenticator(a Authenticator) option {
	return withDeps(func(d *Deps) { d.Authenticator = a })
}

func (e *edge) do(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	return rec
}

// fakeAuthenticator answers every token with principal or err and counts
// the calls.
type fakeAuthenticator struct {
	mu        sync.Mutex
	calls     int
	principal domain.Principal
	err       error
}

func (f *fakeAuthenticator) Authenticate(context.Context, string) (domain.Principal, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.principal, f.err
}

func (f *fakeAuthenticator) set(p domain.Principal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.principal = p
}

func (f *fakeAuthenticator) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// reader is a principal holding read alone.
func reader() *fakeAuthenticator {
	return &fakeAuthenticator{principal: domain.Principal{Subject: "bob", ClientID: publicID, Scopes: domain.ParseScopes("read")}}
}

// recordingMCP stands in for the MCP SDK: it records who reached it with
// which body and answers with a fixed JSON-RPC response.
type recordingMCP struct {
	mu       sync.Mutex
	requests []mcpHit
	// answer is the response body; "" answers an empty tools list.
	answer string
}

type mcpHit struct {
	caller    app.Caller
	hasCaller bool
	method    string
	host      string
	body      string
}

func (m *recordingMCP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c, ok := app.CallerFrom(r.Context())
	m.mu.Lock()
	m.requests = append(m.requests, mcpHit{caller: c, hasCaller: ok, method: r.Method, host: r.Host, body: string(body)})
	answer := m.answer
	m.mu.Unlock()
	if answer == "" {
		answer = `{"jsonrpc":"2.0","id":1,"result":{"tools":[]}}`
	}
	ct := "application/json"
	if strings.HasPrefix(answer, "event:") {
		ct = "text/event-stream"
	}
	w.Header().Set("Content-Type", ct)
	_, _ = io.WriteString(w, answer)
}

func (m *recordingMCP) hits() []mcpHit {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mcpHit(nil), m.requests...)
}

// mcpPost is a POST /mcp with a JSON-RPC body, a bearer token and this
// server's Host.
func mcpPost(body string) *http.Request {
	req := httptest.NewRequest(http.MethodPost, "/mcp", strings.NewReader(body))
	req.Host = testHost
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer test-token")
	return req
}

// protected is a request to a protected path with a bearer token.
func protected(method, target, body string) *http.Request {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = testHost
	req.Header.Set("Authorization", "Bearer test-token")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

func callBody(tool string) string {
	return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
}

// formPost is a form-encoded POST.
func formPost(target string, form url.Values) *http.Request {
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// wantStatus fails the test with the body when the status differs.
func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status = %d, want %d; body: %s", rec.Code, want, rec.Body.String())
	}
}
