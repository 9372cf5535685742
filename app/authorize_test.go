package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestStartAuthorizationShowsPageErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*app.AuthorizeParams)
		code string
	}{
		{"unknown client", func(p *app.AuthorizeParams) { p.ClientID = "nobody" }, domain.CodeInvalidClient},
		{"missing client id", func(p *app.AuthorizeParams) { p.ClientID = "" }, domain.CodeInvalidRequest},
		{"unregistered redirect URI", func(p *app.AuthorizeParams) { p.RedirectURI = "https://evil.example/cb" }, domain.CodeInvalidRequest},
		{"redirect URI with another path", func(p *app.AuthorizeParams) { p.RedirectURI = "http://127.0.0.1/other" }, domain.CodeInvalidRequest},
		{"redirect URI omitted with several registered", func(p *app.AuthorizeParams) { p.RedirectURI = "" }, domain.CodeInvalidRequest},
		// Errors about the client come before everything else: nothing is
		// redirected to an untrusted URI, whatever else is wrong.
		{"unregistered redirect URI and no PKCE", func(p *app.AuthorizeParams) {
			p.RedirectURI, p.CodeChallenge = "https://evil.example/cb", ""
		}, domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			p := authParams(publicID, publicRedirect, "read", newPKCE(t))
			tt.edit(&p)
			_, err := h.start(t, &browser{}, p)
			wantPageError(t, err, tt.code)
			var re *app.RedirectError
			if errors.As(err, &re) {
				t.Errorf("error is also a RedirectError to %s", re.RedirectURL)
			}
		})
	}
}

func TestStartAuthorizationRedirectsErrors(t *testing.T) {
	tests := []struct {
		name     string
		clientID string
		redirect string
		edit     func(*app.AuthorizeParams)
		code     string
	}{
		{"missing PKCE", publicID, publicRedirect, func(p *app.AuthorizeParams) {
			p.CodeChallenge, p.CodeChallengeMethod = "", ""
		}, domain.CodeInvalidRequest},
		{"plain PKCE", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.CodeChallengeMethod = "plain" }, domain.CodeInvalidRequest},
		{"PKCE method omitted", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.CodeChallengeMethod = "" }, domain.CodeInvalidRequest},
		{"challenge too short", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.CodeChallenge = p.CodeChallenge[:20] }, domain.CodeInvalidRequest},
		{"implicit response type", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.ResponseType = "token" }, domain.CodeUnsupportedResponseType},
		{"resource of another server", publicID, publicRedirect, func(p *app.AuthorizeParams) {
			p.Resource, p.ResourceCount = "https://elsewhere.example/mcp", 1
		}, domain.CodeInvalidTarget},
		{"resource with fragment", publicID, publicRedirect, func(p *app.AuthorizeParams) {
			p.Resource, p.ResourceCount = testResource+"#x", 1
		}, domain.CodeInvalidTarget},
		{"relative resource", publicID, publicRedirect, func(p *app.AuthorizeParams) {
			p.Resource, p.ResourceCount = "/mcp", 1
		}, domain.CodeInvalidTarget},
		{"two resources", publicID, publicRedirect, func(p *app.AuthorizeParams) {
			p.Resource, p.ResourceCount = testResource, 2
		}, domain.CodeInvalidTarget},
		{"unknown scope", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.Scope = "read delete_everything" }, domain.CodeInvalidScope},
		{"scope with a forbidden character", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.Scope = `re"ad` }, domain.CodeInvalidScope},
		{"only scopes the client may not have", publicID, publicRedirect, func(p *app.AuthorizeParams) { p.Scope = "admin" }, domain.CodeInvalidScope},
		{"client without the code grant", ccOnlyID, ccOnlyRedirect, func(*app.AuthorizeParams) {}, domain.CodeUnauthorizedClient},
		{"redirect URI query kept", confID, confRedirect, func(p *app.AuthorizeParams) { p.CodeChallenge = "" }, domain.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			p := authParams(tt.clientID, tt.redirect, "read", newPKCE(t))
			tt.edit(&p)
			_, err := h.start(t, &browser{}, p)
			wantRedirectError(t, err, tt.code, tt.redirect)
		})
	}
}

func TestStartAuthorizationAsksForLogin(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	pk := newPKCE(t)
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "", pk))
	out = mustStep(t, out, err, app.StepLogin)
	if out.NewBrowserSecret == "" {
		t.Fatal("a browser without a binding cookie got no NewBrowserSecret")
	}
	got, err := h.store.GetAuthRequest(t.Context(), out.Request.ID, h.clock.Now())
	if err != nil {
		t.Fatalf("request was not saved: %v", err)
	}
	want := domain.AuthRequest{
		ID: out.Request.ID, ClientID: publicID, RedirectURI: publicRedirect, State: testState,
		CodeChallenge: pk.challenge, Scopes: domain.ParseScopes("read write"), Resource: testResource,
		BrowserHash: domain.HashSecret(b.secret), ExpiresAt: h.clock.Now().Add(h.cfg.AuthRequestTTL),
	}
	if got.ID != want.ID || got.ClientID != want.ClientID || got.RedirectURI != want.RedirectURI ||
		got.State != want.State || got.CodeChallenge != want.CodeChallenge || got.Scopes.String() != want.Scopes.String() ||
		got.Resource != want.Resource || got.BrowserHash != want.BrowserHash || !got.ExpiresAt.Equal(want.ExpiresAt) || got.Subject != "" {
		t.Errorf("saved request = %+v, want %+v", got, want)
	}

	again, err := h.start(t, b, authParams(publicID, publicRedirect, "", pk))
	mustStep(t, again, err, app.StepLogin)
	if again.NewBrowserSecret != "" {
		t.Error("a browser with a binding cookie was given a new one")
	}
}

func TestStartAuthorizationAcceptsLoopbackOnAnyPort(t *testing.T) {
	h := newHarness(t)
	pk := newPKCE(t)
	const requested = "http://127.0.0.1:53124/callback"
	code := h.authorize(t, &browser{}, authParams(publicID, requested, "read", pk), "alice")
	if _, err := h.exchange(t, publicID, code, pk.verifier); err != nil {
		t.Fatalf("exchange code issued to a loopback port: %v", err)
	}
}

func TestStartAuthorizationDefaultsTheOnlyRedirectURI(t *testing.T) {
	h := newHarness(t)
	out, err := h.start(t, &browser{}, authParams(otherID, "", "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	if out.Request.RedirectURI != otherRedirect {
		t.Errorf("RedirectURI = %q, want the only registered one %q", out.Request.RedirectURI, otherRedirect)
	}
}

func TestStartAuthorizationBindsTheRequestedResource(t *testing.T) {
	tests := []struct {
		name, requested, want string
	}{
		{"none gives the first resource", "", testResource},
		{"canonical form matches", "HTTPS://MCP.EXAMPLE/mcp", testResource},
		{"second resource", "https://mcp.example/other", "https://mcp.example/other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			pk := newPKCE(t)
			p := authParams(publicID, publicRedirect, "read", pk)
			p.Resource = tt.requested
			if tt.requested != "" {
				p.ResourceCount = 1
			}
			code := h.authorize(t, &browser{}, p, "alice")
			resp, err := h.exchange(t, publicID, code, pk.verifier)
			if err != nil {
				t.Fatalf("exchange: %v", err)
			}
			if aud := h.mustClaims(t, resp.AccessToken).Audience; len(aud) != 1 || aud[0] != tt.want {
				t.Errorf("audience = %q, want [%q]", aud, tt.want)
			}
		})
	}
}

func TestStartAuthorizationWithClientMetadataDocument(t *testing.T) {
	const docID = "https://client.example/metadata.json"
	fetched := domain.Client{
		ID: docID, TokenEndpointAuthMethod: domain.AuthMethodNone, RedirectURIs: []string{"https://client.example/cb"},
		GrantTypes: []string{domain.GrantAuthorizationCode}, Scopes: domain.ParseScopes("admin read write"), MetadataDocument: true,
	}
	tests := []struct {
		name      string
		fetch     func(ctx context.Context, url string) (domain.Client, error)
		wantStep  app.Step
		wantScope string
		wantCode  string
	}{
		{"capped to registration scopes", func(context.Context, string) (domain.Client, error) { return fetched, nil },
			app.StepLogin, "read write", ""},
		{"document refused", func(context.Context, string) (domain.Client, error) {
			return domain.Client{}, domain.ErrInvalidClient("document too large")
		}, 0, "", domain.CodeInvalidClient},
		{"fetch failed", func(context.Context, string) (domain.Client, error) {
			return domain.Client{}, errors.New("dial tcp: refused")
		}, 0, "", domain.CodeInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *app.AuthServerConfig, d *app.AuthServerDeps) {
				c.ClientMetadataDocuments = true
				d.ClientDocs = fetcherFunc(tt.fetch)
			})
			out, err := h.start(t, &browser{}, authParams(docID, "https://client.example/cb", "", newPKCE(t)))
			if tt.wantCode != "" {
				wantPageError(t, err, tt.wantCode)
				return
			}
			out = mustStep(t, out, err, tt.wantStep)
			if got := out.Request.Scopes.String(); got != tt.wantScope {
				t.Errorf("scopes = %q, want %q", got, tt.wantScope)
			}
		})
	}
}

type fetcherFunc func(ctx context.Context, url string) (domain.Client, error)

func (f fetcherFunc) FetchClient(ctx context.Context, url string) (domain.Client, error) {
	return f(ctx, url)
}

func TestAuthorizationRequestExpires(t *testing.T) {
	h := newHarness(t)
	b := &browser{}
	out, err := h.start(t, b, authParams(publicID, publicRedirect, "read", newPKCE(t)))
	out = mustStep(t, out, err, app.StepLogin)
	h.clock.Advance(h.cfg.AuthRequestTTL + time.Second)
	_, err = h.login(t, b, out.Request.ID, "alice", alicePassword)
	wantPageError(t, err, domain.CodeInvalidRequest)
}

func TestNewAuthServerChecksWiring(t *testing.T) {
	tests := []struct {
		name string
		edit func(*app.AuthServerConfig, *app.AuthServerDeps)
	}{
		{"missing store", func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Grants = nil }},
		{"missing issuer", func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Issuer = nil }},
		{"no resource", func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.Resources = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			cfg, deps := h.cfg, h.srv.AuthServerDeps
			tt.edit(&cfg, &deps)
			if _, err := app.NewAuthServer(cfg, deps); err == nil {
				t.Error("NewAuthServer succeeded, want an error")
			}
		})
	}
}
