package app_test

import (
	"testing"

	"gatehouse/app"
	"gatehouse/domain"
)

func TestTokenRequestValidation(t *testing.T) {
	tests := []struct {
		name string
		req  app.TokenRequest
		code string
	}{
		{"unsupported grant type", app.TokenRequest{Client: creds(confID), GrantType: "password"}, domain.CodeUnsupportedGrantType},
		{"implicit is not a grant type", app.TokenRequest{Client: creds(confID), GrantType: "implicit"}, domain.CodeUnsupportedGrantType},
		{"missing grant type", app.TokenRequest{Client: creds(confID)}, domain.CodeInvalidRequest},
		{"two resources", app.TokenRequest{Client: creds(confID), GrantType: domain.GrantClientCredentials, Resource: testResource, ResourceCount: 2}, domain.CodeInvalidTarget},
		{"public client sending a secret", app.TokenRequest{
			Client:    app.ClientCredentials{ClientID: publicID, Secret: "x", Method: domain.AuthMethodClientSecretPost},
			GrantType: domain.GrantRefreshToken, RefreshToken: "x",
		}, domain.CodeInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			_, err := h.srv.Token(t.Context(), tt.req)
			wantCode(t, err, tt.code)
		})
	}
}

func TestPublicClientsCanBeTurnedOff(t *testing.T) {
	h := newHarness(t, func(c *app.AuthServerConfig, _ *app.AuthServerDeps) { c.AllowPublicClients = false })
	_, err := h.refresh(t, publicID, "whatever", "")
	wantCode(t, err, domain.CodeInvalidClient)
}
