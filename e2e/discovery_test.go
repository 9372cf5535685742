package e2e

import (
	"mime"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"
)

func TestDiscoveryPublishesAuthorizationServerMetadata(t *testing.T) {
	t.Parallel()
	s := startServer(t)

	for _, path := range []string{
		"/.well-known/oauth-authorization-server",
		"/.well-known/openid-configuration",
		"/auth/.well-known/oauth-authorization-server",
	} {
		t.Run(path, func(t *testing.T) {
			ex := s.get(t, s.URL+path)
			if ex.Status != http.StatusOK {
				t.Fatalf("want 200\n%s", ex)
			}
			if mt, _, _ := mime.ParseMediaType(ex.Header.Get("Content-Type")); mt != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ex.Header.Get("Content-Type"))
			}
			m := ex.JSON(t)
			endpoints := map[string]string{
				"issuer":                 s.URL,
				"authorization_endpoint": s.URL + "/auth/authorize",
				"token_endpoint":         s.URL + "/auth/token",
				"registration_endpoint":  s.URL + "/auth/register",
				"revocation_endpoint":    s.URL + "/auth/revoke",
				"introspection_endpoint": s.URL + "/auth/introspect",
				"jwks_uri":               s.URL + "/auth/jwks.json",
			}
			for key, want := range endpoints {
				if got, _ := m[key].(string); got != want {
					t.Errorf("%s = %v, want %q", key, m[key], want)
				}
			}
			if diff := cmp.Diff([]string{"S256"}, jsonStrings(m["code_challenge_methods_supported"])); diff != "" {
				t.Errorf("code_challenge_methods_supported (-want +got):\n%s", diff)
			}
			for _, key := range []string{"authorization_response_iss_parameter_supported", "client_id_metadata_document_supported"} {
				if m[key] != true {
					t.Errorf("%s = %v, want true", key, m[key])
				}
			}
			contains := map[string][]string{
				"scopes_supported":                      {"read", "write", "admin"},
				"response_types_supported":              {"code"},
				"grant_types_supported":                 {"authorization_code", "refresh_token", "client_credentials"},
				"token_endpoint_auth_methods_supported": {"none", "client_secret_basic", "client_secret_post"},
			}
			for key, wants := range contains {
				got := jsonStrings(m[key])
				for _, want := range wants {
					if !slices.Contains(got, want) {
						t.Errorf("%s = %q, lacks %q", key, got, want)
					}
				}
			}
			if slices.Contains(jsonStrings(m["grant_types_supported"]), "password") ||
				slices.Contains(jsonStrings(m["grant_types_supported"]), "implicit") {
				t.Errorf("grant_types_supported advertises a grant OAuth 2.1 removed: %q", jsonStrings(m["grant_types_supported"]))
			}
		})
	}

	t.Run("go-sdk client accepts the metadata", func(t *testing.T) {
		meta, err := oauthex.GetAuthServerMeta(t.Context(), s.URL+"/.well-known/oauth-authorization-server", s.URL, http.DefaultClient)
		if err != nil {
			t.Fatalf("GetAuthServerMeta: %v", err)
		}
		if meta == nil {
			t.Fatal("GetAuthServerMeta: the server answered 4xx")
		}
		if meta.Issuer != s.URL || !meta.AuthorizationResponseIssParameterSupported || !meta.ClientIDMetadataDocumentSupported {
			t.Errorf("go-sdk read issuer %q, iss parameter %v, metadata documents %v",
				meta.Issuer, meta.AuthorizationResponseIssParameterSupported, meta.ClientIDMetadataDocumentSupported)
		}
	})

	t.Run("access tokens verify with a published key", func(t *testing.T) {
		ex := s.token(t, url.Values{"grant_type": {"client_credentials"}, "resource": {s.Resource}}, demoService())
		if ex.Status != http.StatusOK {
			t.Fatalf("client_credentials: want 200\n%s", ex)
		}
		c := s.verifyAccessToken(t, ex.Str(t, "access_token"))
		want := accessClaims{
			Subject:  demoServiceID,
			ClientID: demoServiceID,
			Scope:    []string{"read"},
			Audience: []string{s.Resource},
			KeyID:    c.KeyID,
			Lifetime: 15 * time.Minute,
		}
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("access token claims (-want +got):\n%s", diff)
		}
	})
}

// jsonStrings reads a JSON array of strings.
func jsonStrings(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
