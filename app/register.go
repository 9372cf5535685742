package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"strings"

	"gatehouse/domain"
)

// ClientMetadata is the RFC 7591 §2 client metadata Gatehouse understands.
type ClientMetadata struct {
	RedirectURIs            []string `json:"redirect_uris,omitempty"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method,omitempty"`
	GrantTypes              []string `json:"grant_types,omitempty"`
	ResponseTypes           []string `json:"response_types,omitempty"`
	ClientName              string   `json:"client_name,omitempty"`
	ClientURI               string   `json:"client_uri,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	Scope                   string   `json:"scope,omitempty"`
	Contacts                []string `json:"contacts,omitempty"`
	ApplicationType         string   `json:"application_type,omitempty"`
}

// RegisteredClient is the RFC 7591 §3.2.1 response.
type RegisteredClient struct {
	ClientID              string `json:"client_id"`
	ClientSecret          string `json:"client_secret,omitempty"`
	ClientIDIssuedAt      int64  `json:"client_id_issued_at"`
	ClientSecretExpiresAt *int64 `json:"client_secret_expires_at,omitempty"`
	ClientMetadata
}

// ErrRegistrationDisabled: dynamic registration is off by policy.
var ErrRegistrationDisabled = errors.New("dynamic client registration is disabled")

// Register handles RFC 7591 dynamic registration under the configured
// policy: open, token (an initial access token is required) or off.
func (s *AuthServer) Register(ctx context.Context, md ClientMetadata, initialAccessToken string) (RegisteredClient, error) {
	switch s.cfg.RegistrationPolicy {
	case "open":
		// Anyone may register under an open policy, so such a client must
		// not get tokens without a user's consent: no client_credentials.
		if slices.Contains(md.GrantTypes, domain.GrantClientCredentials) {
			return RegisteredClient{}, domain.ErrInvalidClientMetadata("client_credentials clients need a registration token or an administrator")
		}
	case "token":
		if initialAccessToken == "" || subtle.ConstantTimeCompare(
			[]byte(domain.HashSecret(initialAccessToken)), []byte(s.cfg.RegistrationTokenHash)) != 1 {
			return RegisteredClient{}, domain.ErrInvalidToken("a valid initial access token is required to register")
		}
	default:
		return RegisteredClient{}, ErrRegistrationDisabled
	}
	return s.createClient(ctx, md, s.cfg.RegistrationScopes)
}

// AdminClientForm is the admin registration form of POST /auth/register/client.
type AdminClientForm struct {
	ClientName   string
	RedirectURIs []string
	ClientType   string // public | confidential
	Scope        string
}

// AdminRegister registers a client on behalf of a caller holding admin; such
// clients may hold any supported scope.
func (s *AuthServer) AdminRegister(ctx context.Context, caller domain.Principal, f AdminClientForm) (RegisteredClient, error) {
	if !caller.Scopes.Has("admin") {
		return RegisteredClient{}, domain.ErrInsufficientScope("registering clients needs the admin scope", domain.NewScopes("admin"))
	}
	md := ClientMetadata{ClientName: f.ClientName, RedirectURIs: f.RedirectURIs, Scope: f.Scope,
		GrantTypes: []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}}
	switch f.ClientType {
	case "public", "":
		md.TokenEndpointAuthMethod = domain.AuthMethodNone
		md.ApplicationType = "native"
	case "confidential":
		md.TokenEndpointAuthMethod = domain.AuthMethodClientSecretBasic
		md.GrantTypes = append(md.GrantTypes, domain.GrantClientCredentials)
		md.ApplicationType = "web"
	default:
		return RegisteredClient{}, domain.ErrInvalidClientMetadata("client_type must be public or confidential")
	}
	if len(f.RedirectURIs) == 0 && f.ClientType == "confidential" {
		md.GrantTypes = []string{domain.GrantClientCredentials}
	}
	return s.createClient(ctx, md, s.cfg.SupportedScopes)
}

// createClient validates metadata (RFC 7591 §2 defaults applied), caps the
// scope and stores the client; the secret, if any, is returned once and
// kept only as a hash.
func (s *AuthServer) createClient(ctx context.Context, md ClientMetadata, scopeCap domain.Scopes) (RegisteredClient, error) {
	now := s.Clock()
	if md.TokenEndpointAuthMethod == "" {
		md.TokenEndpointAuthMethod = domain.AuthMethodClientSecretBasic
	}
	switch md.TokenEndpointAuthMethod {
	case domain.AuthMethodNone:
		if !s.cfg.AllowPublicClients {
			return RegisteredClient{}, domain.ErrInvalidClientMetadata("public clients are not allowed")
		}
	case domain.AuthMethodClientSecretBasic, domain.AuthMethodClientSecretPost:
	default:
		return RegisteredClient{}, domain.ErrInvalidClientMetadata("token_endpoint_auth_method must be none, client_secret_basic or client_secret_post")
	}
	if len(md.GrantTypes) == 0 {
		md.GrantTypes = []string{domain.GrantAuthorizationCode}
	}
	for _, g := range md.GrantTypes {
		switch g {
		case domain.GrantAuthorizationCode, domain.GrantRefreshToken:
		case domain.GrantClientCredentials:
			if md.TokenEndpointAuthMethod == domain.AuthMethodNone {
				return RegisteredClient{}, domain.ErrInvalidClientMetadata("client_credentials needs a confidential client")
			}
		default:
			return RegisteredClient{}, domain.ErrInvalidClientMetadata("grant type " + g + " is not supported")
		}
	}
	md.GrantTypes = slices.Compact(slices.Sorted(slices.Values(md.GrantTypes)))
	if len(md.ResponseTypes) == 0 {
		md.ResponseTypes = []string{"code"}
	}
	if slices.Contains(md.GrantTypes, domain.GrantAuthorizationCode) {
		if !slices.Equal(md.ResponseTypes, []string{"code"}) {
			return RegisteredClient{}, domain.ErrInvalidClientMetadata("response_types must be [\"code\"]")
		}
		if len(md.RedirectURIs) == 0 {
			return RegisteredClient{}, domain.ErrInvalidRedirectURI("redirect_uris is required for the authorization_code grant")
		}
	}
	for _, u := range md.RedirectURIs {
		if err := domain.ValidateRedirectURI(u); err != nil {
			return RegisteredClient{}, err
		}
	}
	switch md.ApplicationType {
	case "":
		md.ApplicationType = "web"
	case "web", "native":
	default:
		return RegisteredClient{}, domain.ErrInvalidClientMetadata("application_type must be web or native")
	}
	asked := withoutIgnoredScopes(domain.ParseScopes(md.Scope))
	for _, t := range asked {
		if !s.cfg.SupportedScopes.Has(t) {
			return RegisteredClient{}, domain.ErrInvalidClientMetadata("unknown scope " + t)
		}
	}
	scopes := scopeCap
	if len(asked) > 0 {
		scopes = asked.Intersect(scopeCap)
	}
	md.Scope = scopes.String()
	if strings.TrimSpace(md.ClientName) == "" {
		md.ClientName = "Unnamed client"
	}
	c := domain.Client{
		ID:                      randomID(),
		Name:                    md.ClientName,
		RedirectURIs:            md.RedirectURIs,
		GrantTypes:              md.GrantTypes,
		ResponseTypes:           md.ResponseTypes,
		TokenEndpointAuthMethod: md.TokenEndpointAuthMethod,
		Scopes:                  scopes,
		ApplicationType:         md.ApplicationType,
		ClientURI:               md.ClientURI,
		LogoURI:                 md.LogoURI,
		Contacts:                md.Contacts,
		CreatedAt:               now,
	}
	out := RegisteredClient{ClientID: c.ID, ClientIDIssuedAt: now.Unix(), ClientMetadata: md}
	if !c.Public() {
		secret := randomToken()
		c.SecretHash = domain.HashSecret(secret)
		never := int64(0)
		out.ClientSecret, out.ClientSecretExpiresAt = secret, &never
	}
	if err := s.Clients.CreateClient(ctx, c); err != nil {
		return RegisteredClient{}, storeErr(err, nil)
	}
	s.Logger.InfoContext(ctx, "client registered", "client_id", c.ID, "client_name", c.Name, "auth_method", c.TokenEndpointAuthMethod)
	return out, nil
}
