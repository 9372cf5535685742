package app_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestRegisterAppliesRFC7591Defaults(t *testing.T) {
	h := newHarness(t)
	got, err := h.srv.Register(t.Context(), app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}}, "")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	want := app.ClientMetadata{
		RedirectURIs:            []string{"https://new.example/cb"},
		TokenEndpointAuthMethod: domain.AuthMethodClientSecretBasic,
		GrantTypes:              []string{domain.GrantAuthorizationCode},
		ResponseTypes:           []string{"code"},
		ClientName:              "Unnamed client",
		Scope:                   "read write",
		ApplicationType:         "web",
	}
	if diff := cmp.Diff(want, got.ClientMetadata); diff != "" {
		t.Errorf("metadata mismatch (-want +got):\n%s", diff)
	}
	if got.ClientID == "" || got.ClientSecret == "" {
		t.Fatalf("ClientID = %q, ClientSecret = %q, want both", got.ClientID, got.ClientSecret)
	}
	if got.ClientSecretExpiresAt == nil || *got.ClientSecretExpiresAt != 0 {
		t.Errorf("ClientSecretExpiresAt = %v, want 0 (never)", got.ClientSecretExpiresAt)
	}
	if got.ClientIDIssuedAt != h.clock.Now().Unix() {
		t.Errorf("ClientIDIssuedAt = %d, want %d", got.ClientIDIssuedAt, h.clock.Now().Unix())
	}
	stored, err := h.store.GetClient(t.Context(), got.ClientID)
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if stored.SecretHash != domain.HashSecret(got.ClientSecret) {
		t.Error("stored secret hash does not match the returned secret")
	}
	if _, err := h.srv.AuthenticateClient(t.Context(), app.ClientCredentials{
		ClientID: got.ClientID, Secret: got.ClientSecret, Method: domain.AuthMethodClientSecretBasic,
	}); err != nil {
		t.Errorf("the new client cannot authenticate: %v", err)
	}
}

func TestRegisterPublicClient(t *testing.T) {
	h := newHarness(t)
	got, err := h.srv.Register(t.Context(), app.ClientMetadata{
		RedirectURIs: []string{"http://127.0.0.1/cb"}, TokenEndpointAuthMethod: domain.AuthMethodNone,
		GrantTypes: []string{domain.GrantRefreshToken, domain.GrantAuthorizationCode, domain.GrantRefreshToken},
		ClientName: "CLI", ApplicationType: "native", Scope: "read",
	}, "")
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	if got.ClientSecret != "" || got.ClientSecretExpiresAt != nil {
		t.Errorf("public client got a secret: %+v", got)
	}
	wantGrants := []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
	if diff := cmp.Diff(wantGrants, got.GrantTypes); diff != "" {
		t.Errorf("grant types mismatch (-want +got):\n%s", diff)
	}
	stored, err := h.store.GetClient(t.Context(), got.ClientID)
	if err != nil {
		t.Fatalf("GetClient: %v", err)
	}
	if !stored.Public() || stored.SecretHash != "" || stored.Scopes.String() != "read" || stored.Name != "CLI" {
		t.Errorf("stored client = %+v, want public CLI with scope read and no secret", stored)
	}

	// The registered client can run the whole flow.
	pk := newPKCE(t)
	code := h.authorize(t, &browser{}, authParams(got.ClientID, "http://127.0.0.1:4242/cb", "", pk), "alice")
	if _, err := h.srv.Token(t.Context(), app.TokenRequest{
		Client: app.ClientCredentials{ClientID: got.ClientID, Method: domain.AuthMethodNone}, GrantType: domain.GrantAuthorizationCode,
		Code: code, CodeVerifier: pk.verifier, RedirectURI: "http://127.0.0.1:4242/cb",
	}); err != nil {
		t.Errorf("exchange for the registered client: %v", err)
	}
}

func TestRegisterCapsScopes(t *testing.T) {
	tests := []struct {
		name, asked, want string
	}{
		{"admin capped away", "read admin", "read"},
		{"nothing asked gives the cap", "", "read write"},
		{"within the cap", "write", "write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			got, err := h.srv.Register(t.Context(), app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, Scope: tt.asked}, "")
			if err != nil {
				t.Fatalf("Register: %v", err)
			}
			if got.Scope != tt.want {
				t.Errorf("scope = %q, want %q", got.Scope, tt.want)
			}
			stored, err := h.store.GetClient(t.Context(), got.ClientID)
			if err != nil {
				t.Fatalf("GetClient: %v", err)
			}
			if stored.Scopes.String() != tt.want {
				t.Errorf("stored scopes = %q, want %q", stored.Scopes, tt.want)
			}
		})
	}
}

func TestRegisterRefusesBadMetadata(t *testing.T) {
	tests := []struct {
		name string
		md   app.ClientMetadata
		edit func(*app.AuthServerConfig, *app.AuthServerDeps)
		code string
	}{
		{name: "redirect URI with fragment", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb#x"}},
			code: domain.CodeInvalidRedirectURI},
		{name: "http redirect URI off loopback", md: app.ClientMetadata{RedirectURIs: []string{"http://new.example/cb"}},
			code: domain.CodeInvalidRedirectURI},
		{name: "one bad redirect URI among good ones", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb", "javascript:alert(1)"}},
			code: domain.CodeInvalidRedirectURI},
		{name: "no redirect URI for the code grant", md: app.ClientMetadata{},
			code: domain.CodeInvalidRedirectURI},
		{name: "unknown scope", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, Scope: "read root"},
			code: domain.CodeInvalidClientMetadata},
		{name: "unsupported grant type", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, GrantTypes: []string{"password"}},
			code: domain.CodeInvalidClientMetadata},
		{name: "implicit response type", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, ResponseTypes: []string{"token"}},
			code: domain.CodeInvalidClientMetadata},
		{name: "unknown auth method", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, TokenEndpointAuthMethod: "private_key_jwt"},
			code: domain.CodeInvalidClientMetadata},
		{name: "unknown application type", md: app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}, ApplicationType: "desktop"},
			code: domain.CodeInvalidClientMetadata},
		{name: "public client with client_credentials", md: app.ClientMetadata{
			TokenEndpointAuthMethod: domain.AuthMethodNone, GrantTypes: []string{domain.GrantClientCredentials}},
			code: domain.CodeInvalidClientMetadata},
		{name: "public client while public clients are off",
			md:   app.ClientMetadata{RedirectURIs: []string{"http://127.0.0.1/cb"}, TokenEndpointAuthMethod: domain.AuthMethodNone},
			edit: func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.AllowPublicClients = false },
			code: domain.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var edits []func(*app.AuthServerConfig, *app.AuthServerDeps)
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			h := newHarness(t, edits...)
			_, err := h.srv.Register(t.Context(), tt.md, "")
			wantCode(t, err, tt.code)
			clients, err := h.store.ListClients(t.Context())
			if err != nil {
				t.Fatalf("ListClients: %v", err)
			}
			if len(clients) != len(testClients()) {
				t.Errorf("a refused registration stored a client: %d clients", len(clients))
			}
		})
	}
}

// Under an open policy anyone can register, so a client that could get
// tokens without any user (client_credentials) is refused.
func TestOpenRegistrationRefusesClientCredentials(t *testing.T) {
	h := newHarness(t)
	_, err := h.srv.Register(t.Context(), app.ClientMetadata{GrantTypes: []string{domain.GrantClientCredentials}}, "")
	wantCode(t, err, domain.CodeInvalidClientMetadata)
}

func TestRegisterConfidentialClientCredentialsOnly(t *testing.T) {
	const initialToken = "initial-access-token"
	h := newHarness(t, func(c *app.AuthServerConfig, _ *app.AuthServerDeps) {
		c.RegistrationPolicy, c.RegistrationTokenHash = "token", domain.HashSecret(initialToken)
	})
	got, err := h.srv.Register(t.Context(), app.ClientMetadata{GrantTypes: []string{domain.GrantClientCredentials}}, initialToken)
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	_, err = h.srv.Token(t.Context(), app.TokenRequest{
		Client:    app.ClientCredentials{ClientID: got.ClientID, Secret: got.ClientSecret, Method: domain.AuthMethodClientSecretBasic},
		GrantType: domain.GrantClientCredentials,
	})
	if err != nil {
		t.Errorf("client_credentials for the registered client: %v", err)
	}
}

func TestRegisterPolicy(t *testing.T) {
	const initialToken = "initial-access-token"
	md := app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}}
	tests := []struct {
		name    string
		policy  string
		token   string
		wantErr error
	}{
		{"open needs no token", "open", "", nil},
		{"token policy without a token", "token", "", domain.ErrInvalidToken("")},
		{"token policy with a wrong token", "token", "guess", domain.ErrInvalidToken("")},
		{"token policy with the token", "token", initialToken, nil},
		{"off", "off", initialToken, app.ErrRegistrationDisabled},
		{"unset is off", "", "", app.ErrRegistrationDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *app.AuthServerConfig, _ *app.AuthServerDeps) {
				c.RegistrationPolicy = tt.policy
				c.RegistrationTokenHash = domain.HashSecret(initialToken)
			})
			got, err := h.srv.Register(t.Context(), md, tt.token)
			if tt.wantErr == nil {
				if err != nil || got.ClientID == "" {
					t.Fatalf("Register = (%+v, %v), want a client", got, err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Register error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestTokenPolicyWithoutConfiguredHashRefusesEmptyToken(t *testing.T) {
	h := newHarness(t, func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.RegistrationPolicy = "token" })
	_, err := h.srv.Register(t.Context(), app.ClientMetadata{RedirectURIs: []string{"https://new.example/cb"}}, "")
	wantCode(t, err, domain.CodeInvalidToken)
}

func TestAdminRegister(t *testing.T) {
	admin := domain.Principal{Subject: "alice", Scopes: domain.ParseScopes("admin read write")}
	tests := []struct {
		name       string
		caller     domain.Principal
		form       app.AdminClientForm
		wantCode   string
		wantGrants []string
		wantSecret bool
		wantScope  string
	}{
		{name: "caller without admin", caller: domain.Principal{Subject: "bob", Scopes: domain.ParseScopes("read write")},
			form: app.AdminClientForm{RedirectURIs: []string{"https://x.example/cb"}}, wantCode: domain.CodeInsufficientScope},
		{name: "public by default", caller: admin,
			form:       app.AdminClientForm{ClientName: "cli", RedirectURIs: []string{"http://localhost/cb"}, Scope: "read"},
			wantGrants: []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}, wantScope: "read"},
		{name: "confidential may hold admin", caller: admin,
			form:       app.AdminClientForm{RedirectURIs: []string{"https://x.example/cb"}, ClientType: "confidential", Scope: "admin read"},
			wantGrants: []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials, domain.GrantRefreshToken},
			wantSecret: true, wantScope: "admin read"},
		{name: "confidential without redirect URIs is a service", caller: admin,
			form:       app.AdminClientForm{ClientType: "confidential"},
			wantGrants: []string{domain.GrantClientCredentials}, wantSecret: true, wantScope: "admin read write"},
		{name: "public without redirect URIs", caller: admin,
			form: app.AdminClientForm{ClientType: "public"}, wantCode: domain.CodeInvalidRedirectURI},
		{name: "unknown client type", caller: admin,
			form: app.AdminClientForm{ClientType: "trusted"}, wantCode: domain.CodeInvalidClientMetadata},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Admin registration works whatever the public policy says.
			h := newHarness(t, func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.RegistrationPolicy = "off" })
			got, err := h.srv.AdminRegister(t.Context(), tt.caller, tt.form)
			if tt.wantCode != "" {
				wantCode(t, err, tt.wantCode)
				return
			}
			if err != nil {
				t.Fatalf("AdminRegister: %v", err)
			}
			if diff := cmp.Diff(tt.wantGrants, got.GrantTypes); diff != "" {
				t.Errorf("grant types mismatch (-want +got):\n%s", diff)
			}
			if (got.ClientSecret != "") != tt.wantSecret {
				t.Errorf("secret = %q, want secret: %v", got.ClientSecret, tt.wantSecret)
			}
			if got.Scope != tt.wantScope {
				t.Errorf("scope = %q, want %q", got.Scope, tt.wantScope)
			}
		})
	}
}
