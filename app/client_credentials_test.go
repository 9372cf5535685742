package app_test

import (
	"testing"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestClientCredentials(t *testing.T) {
	tests := []struct {
		name      string
		clientID  string
		scope     string
		wantScope string
	}{
		{"all registered scopes", confID, "", "read write"},
		{"narrowed", confID, "read", "read"},
		{"client_secret_post client", ccOnlyID, "write", "write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp, err := h.srv.Token(t.Context(), app.TokenRequest{
				Client: creds(tt.clientID), GrantType: domain.GrantClientCredentials, Scope: tt.scope,
			})
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			if resp.Scope != tt.wantScope || resp.RefreshToken != "" {
				t.Errorf("response = %+v, want scope %q and no refresh token", resp, tt.wantScope)
			}
			c := h.mustClaims(t, resp.AccessToken)
			if c.Subject != tt.clientID || c.ClientID != tt.clientID || c.GrantID != "" || c.Scopes.String() != tt.wantScope {
				t.Errorf("claims = %+v, want subject and client %q, no grant, scope %q", c, tt.clientID, tt.wantScope)
			}
			if len(c.Audience) != 1 || c.Audience[0] != testResource {
				t.Errorf("audience = %q, want [%q]", c.Audience, testResource)
			}
		})
	}
}

func TestClientCredentialsFailures(t *testing.T) {
	tests := []struct {
		name string
		// seed, if set, adds a client before the request.
		seed  *domain.Client
		req   app.TokenRequest
		codes []string
	}{
		{name: "widening", req: app.TokenRequest{Client: creds(confID), Scope: "read admin"},
			codes: []string{domain.CodeInvalidScope}},
		{name: "unknown scope", req: app.TokenRequest{Client: creds(confID), Scope: "root"},
			codes: []string{domain.CodeInvalidScope}},
		{name: "public client", req: app.TokenRequest{Client: creds(publicID)},
			codes: []string{domain.CodeUnauthorizedClient, domain.CodeInvalidClient}},
		{name: "public client registered for the grant",
			seed: &domain.Client{ID: "odd-public", TokenEndpointAuthMethod: domain.AuthMethodNone,
				GrantTypes: []string{domain.GrantClientCredentials}, Scopes: domain.ParseScopes("read")},
			req:   app.TokenRequest{Client: creds("odd-public")},
			codes: []string{domain.CodeUnauthorizedClient, domain.CodeInvalidClient}},
		{name: "wrong secret", req: app.TokenRequest{Client: app.ClientCredentials{ClientID: confID, Secret: "nope", Method: domain.AuthMethodClientSecretBasic}},
			codes: []string{domain.CodeInvalidClient}},
		{name: "no secret", req: app.TokenRequest{Client: app.ClientCredentials{ClientID: confID, Method: domain.AuthMethodClientSecretBasic}},
			codes: []string{domain.CodeInvalidClient}},
		{name: "right secret with method none", req: app.TokenRequest{Client: app.ClientCredentials{ClientID: confID, Secret: confSecret, Method: domain.AuthMethodNone}},
			codes: []string{domain.CodeInvalidClient}},
		{name: "unknown client", req: app.TokenRequest{Client: app.ClientCredentials{ClientID: "nobody", Secret: "x", Method: domain.AuthMethodClientSecretBasic}},
			codes: []string{domain.CodeInvalidClient}},
		{name: "no client id", req: app.TokenRequest{Client: app.ClientCredentials{Secret: confSecret, Method: domain.AuthMethodClientSecretBasic}},
			codes: []string{domain.CodeInvalidClient}},
		{name: "client without the grant", req: app.TokenRequest{Client: creds(noRefreshID)},
			codes: []string{domain.CodeUnauthorizedClient}},
		{name: "resource of another server", req: app.TokenRequest{Client: creds(confID), Resource: "https://elsewhere.example/", ResourceCount: 1},
			codes: []string{domain.CodeInvalidTarget}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if tt.seed != nil {
				if err := h.store.CreateClient(t.Context(), *tt.seed); err != nil {
					t.Fatalf("seed: %v", err)
				}
			}
			tt.req.GrantType = domain.GrantClientCredentials
			resp, err := h.srv.Token(t.Context(), tt.req)
			if err == nil {
				t.Fatalf("Token succeeded with %+v, want one of %q", resp, tt.codes)
			}
			for _, c := range tt.codes {
				if isOAuth(err, c) {
					return
				}
			}
			t.Errorf("error = %v, want one of %q", err, tt.codes)
		})
	}
}
