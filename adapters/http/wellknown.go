package http

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	"gatehouse/domain"
)

// authServerMetadata serves RFC 8414 metadata, which doubles as the OpenID
// discovery document (the OIDC-required fields are included).
func (s *Server) authServerMetadata(c echo.Context) error {
	b := s.cfg.BaseURL
	authMethods := []string{domain.AuthMethodClientSecretBasic, domain.AuthMethodClientSecretPost, domain.AuthMethodNone}
	m := map[string]any{
		"issuer":                                         s.cfg.Issuer,
		"authorization_endpoint":                         b + "/auth/authorize",
		"token_endpoint":                                 b + "/auth/token",
		"jwks_uri":                                       b + "/auth/jwks.json",
		"revocation_endpoint":                            b + "/auth/revoke",
		"introspection_endpoint":                         b + "/auth/introspect",
		"scopes_supported":                               s.cfg.ScopesSupported,
		"response_types_supported":                       []string{"code"},
		"response_modes_supported":                       []string{"query"},
		"grant_types_supported":                          []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken, domain.GrantClientCredentials},
		"token_endpoint_auth_methods_supported":          authMethods,
		"revocation_endpoint_auth_methods_supported":     authMethods,
		"introspection_endpoint_auth_methods_supported":  authMethods[:2],
		"code_challenge_methods_supported":               []string{domain.PKCEMethodS256},
		"authorization_response_iss_parameter_supported": true,
		"client_id_metadata_document_supported":          s.cfg.ClientMetadataDocuments,
		"subject_types_supported":                        []string{"public"},
		"id_token_signing_alg_values_supported":          []string{s.cfg.SigningAlg},
	}
	if s.cfg.RegistrationEnabled {
		m["registration_endpoint"] = b + "/auth/register"
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	return c.JSON(http.StatusOK, m)
}

// protectedResourceMetadata serves RFC 9728 metadata. The path-inserted
// document describes the MCP endpoint; the root one the origin, because
// clients compare "resource" with the URL they derived it from (§3.3).
func (s *Server) protectedResourceMetadata(mcp bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		resource := s.cfg.MCPURL
		if !mcp {
			u, err := url.Parse(s.cfg.BaseURL)
			if err != nil {
				return err
			}
			resource = u.Scheme + "://" + u.Host
		}
		issuer := s.cfg.Issuer
		m := oauthex.ProtectedResourceMetadata{
			Resource:               resource,
			AuthorizationServers:   []string{issuer},
			ScopesSupported:        s.cfg.ResourceScopes,
			BearerMethodsSupported: []string{"header"},
			ResourceName:           s.cfg.ResourceName,
		}
		if s.deps.Auth != nil {
			m.JWKSURI = s.cfg.BaseURL + "/auth/jwks.json"
		}
		c.Response().Header().Set("Access-Control-Allow-Origin", "*")
		return c.JSON(http.StatusOK, m)
	}
}

func (s *Server) jwks(c echo.Context) error {
	doc, err := s.deps.JWKS(c.Request().Context())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Access-Control-Allow-Origin", "*")
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
}
