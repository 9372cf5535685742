package clientmeta

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
)

const docURL = "https://app.example/client.json"

func TestParseDocumentValid(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		body string
		want domain.Client
	}{
		{
			name: "defaults",
			body: `{"client_id":"` + docURL + `","client_name":" Example App ","redirect_uris":["https://app.example/cb"]}`,
			want: domain.Client{
				ID:                      docURL,
				Name:                    "Example App",
				RedirectURIs:            []string{"https://app.example/cb"},
				GrantTypes:              []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
				ResponseTypes:           []string{"code"},
				TokenEndpointAuthMethod: domain.AuthMethodNone,
				MetadataDocument:        true,
				CreatedAt:               now,
			},
		},
		{
			name: "all members",
			body: `{"client_id":"` + docURL + `","client_name":"Example","redirect_uris":["http://127.0.0.1/cb","com.example.app:/cb"],
				"grant_types":["authorization_code"],"response_types":["code"],"token_endpoint_auth_method":"none",
				"application_type":"native","client_uri":"https://app.example","logo_uri":"https://app.example/logo.png",
				"contacts":["ops@app.example"],"scope":"admin","software_id":"ignored"}`,
			want: domain.Client{
				ID:                      docURL,
				Name:                    "Example",
				RedirectURIs:            []string{"http://127.0.0.1/cb", "com.example.app:/cb"},
				GrantTypes:              []string{domain.GrantAuthorizationCode},
				ResponseTypes:           []string{"code"},
				TokenEndpointAuthMethod: domain.AuthMethodNone,
				ApplicationType:         "native",
				ClientURI:               "https://app.example",
				LogoURI:                 "https://app.example/logo.png",
				Contacts:                []string{"ops@app.example"},
				MetadataDocument:        true,
				CreatedAt:               now,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseDocument(docURL, []byte(tt.body), now)
			if err != nil {
				t.Fatalf("parseDocument: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("client mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseDocumentInvalid(t *testing.T) {
	const head = `"client_id":"` + docURL + `","client_name":"Example"`
	tests := []struct {
		name string
		body string
		desc string
	}{
		{"not json", `client_id=x`, "client metadata document is malformed"},
		{"array", `[]`, "client metadata document is malformed"},
		{"trailing garbage", `{` + head + `,"redirect_uris":["https://a.example/cb"]} x`, "client metadata document is malformed"},
		{"wrong type", `{` + head + `,"redirect_uris":"https://a.example/cb"}`, "client metadata document is malformed"},
		{"client_id mismatch", `{"client_id":"https://evil.example/client.json","client_name":"E","redirect_uris":["https://a.example/cb"]}`, "client_id in document does not match"},
		{"client_id differs by slash", `{"client_id":"` + docURL + `/","client_name":"E","redirect_uris":["https://a.example/cb"]}`, "client_id in document does not match"},
		{"client_id other case key", `{"Client_ID":"` + docURL + `","client_name":"E","redirect_uris":["https://a.example/cb"]}`, "client_id in document does not match"},
		{"client_id missing", `{"client_name":"E","redirect_uris":["https://a.example/cb"]}`, "client_id in document does not match"},
		{"client_name missing", `{"client_id":"` + docURL + `","redirect_uris":["https://a.example/cb"]}`, "client metadata document lacks client_name"},
		{"client_name blank", `{"client_id":"` + docURL + `","client_name":"  ","redirect_uris":["https://a.example/cb"]}`, "client metadata document lacks client_name"},
		{"redirect_uris missing", `{` + head + `}`, "client metadata document lacks redirect_uris"},
		{"redirect_uris empty", `{` + head + `,"redirect_uris":[]}`, "client metadata document lacks redirect_uris"},
		{"redirect uri with fragment", `{` + head + `,"redirect_uris":["https://a.example/cb#frag"]}`, "client metadata document has an invalid redirect URI"},
		{"redirect uri plain http", `{` + head + `,"redirect_uris":["http://a.example/cb"]}`, "client metadata document has an invalid redirect URI"},
		{"redirect uri relative", `{` + head + `,"redirect_uris":["/cb"]}`, "client metadata document has an invalid redirect URI"},
		{"client_secret", `{` + head + `,"redirect_uris":["https://a.example/cb"],"client_secret":"s3cret"}`, "client metadata document must not contain a client secret"},
		{"empty client_secret", `{` + head + `,"redirect_uris":["https://a.example/cb"],"client_secret":""}`, "client metadata document must not contain a client secret"},
		{"client_secret_expires_at", `{` + head + `,"redirect_uris":["https://a.example/cb"],"client_secret_expires_at":0}`, "client metadata document must not contain a client secret"},
		{"client_secret_basic", `{` + head + `,"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_basic"}`, "client metadata document must use token_endpoint_auth_method none"},
		{"client_secret_post", `{` + head + `,"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_post"}`, "client metadata document must use token_endpoint_auth_method none"},
		{"client_secret_jwt", `{` + head + `,"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"client_secret_jwt"}`, "client metadata document must use token_endpoint_auth_method none"},
		{"private_key_jwt", `{` + head + `,"redirect_uris":["https://a.example/cb"],"token_endpoint_auth_method":"private_key_jwt"}`, "client metadata document must use token_endpoint_auth_method none"},
		{"client_credentials", `{` + head + `,"redirect_uris":["https://a.example/cb"],"grant_types":["authorization_code","client_credentials"]}`, "client metadata document lists an unsupported grant type"},
		{"refresh only", `{` + head + `,"redirect_uris":["https://a.example/cb"],"grant_types":["refresh_token"]}`, "client metadata document lists an unsupported grant type"},
		{"implicit response", `{` + head + `,"redirect_uris":["https://a.example/cb"],"response_types":["token"]}`, "client metadata document lists an unsupported response type"},
		{"application_type", `{` + head + `,"redirect_uris":["https://a.example/cb"],"application_type":"desktop"}`, "client metadata document has an invalid application_type"},
		{"javascript client_uri", `{` + head + `,"redirect_uris":["https://a.example/cb"],"client_uri":"javascript:alert(1)"}`, "client metadata document has an invalid client_uri"},
		{"data logo_uri", `{` + head + `,"redirect_uris":["https://a.example/cb"],"logo_uri":"data:image/png;base64,AAAA"}`, "client metadata document has an invalid logo_uri"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDocument(docURL, []byte(tt.body), time.Time{})
			var oe *domain.OAuthError
			if !errors.As(err, &oe) {
				t.Fatalf("parseDocument = %v, want *domain.OAuthError", err)
			}
			if oe.Code != domain.CodeInvalidClient || oe.Description != tt.desc {
				t.Errorf("parseDocument = (%q, %q), want (%q, %q)", oe.Code, oe.Description, domain.CodeInvalidClient, tt.desc)
			}
			if errors.Unwrap(oe) == nil {
				t.Error("error carries no cause for the logs")
			}
		})
	}
}
