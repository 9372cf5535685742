package domain

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant types and client authentication methods Gatehouse speaks.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"

	AuthMethodNone              = "none"
	AuthMethodClientSecretBasic = "client_secret_basic"
	AuthMethodClientSecretPost  = "client_secret_post"
)

// Client is a registered OAuth client. A confidential client has a secret,
// kept only as its hash; a public client authenticates with PKCE alone.
type Client struct {
	ID                      string
	SecretHash              string // hex SHA-256 of the secret; empty for public clients
	Name                    string
	RedirectURIs            []string
	GrantTypes              []string
	ResponseTypes           []string
	TokenEndpointAuthMethod string
	Scopes                  Scopes // the most this client may ever be granted
	ApplicationType         string // "web" or "native" (OIDC registration)
	ClientURI               string
	LogoURI                 string
	Contacts                []string
	// MetadataDocument marks a client whose id is the URL of its own metadata
	// document; it is never stored, only cached.
	MetadataDocument bool
	CreatedAt        time.Time
}

// Public reports whether the client has no secret.
func (c Client) Public() bool { return c.TokenEndpointAuthMethod == AuthMethodNone }

// AllowsGrant reports whether the client registered the grant type.
func (c Client) AllowsGrant(gt string) bool { return slices.Contains(c.GrantTypes, gt) }

// MatchRedirectURI reports whether uri is one of the client's registered
// redirect URIs: exact string match, except that a loopback IP literal or
// localhost URI may differ in port alone (RFC 8252 §7.3, OAuth 2.1 §8.4.2).
func (c Client) MatchRedirectURI(uri string) bool {
	for _, r := range c.RedirectURIs {
		if r == uri || loopbackMatch(r, uri) {
			return true
		}
	}
	return false
}

func loopbackMatch(registered, requested string) bool {
	a, err := url.Parse(registered)
	if err != nil || a.Scheme != "http" || !IsLoopbackHost(a.Hostname()) {
		return false
	}
	// url.Parse drops an empty fragment ("…/cb#"), so the raw string is
	// checked too, as ValidateRedirectURI does.
	b, err := url.Parse(requested)
	if err != nil || b.Scheme != "http" || b.Hostname() != a.Hostname() || strings.Contains(requested, "#") {
		return false
	}
	return a.User == nil && b.User == nil && a.EscapedPath() == b.EscapedPath() &&
		a.RawQuery == b.RawQuery && a.Fragment == "" && b.Fragment == ""
}

// IsLoopbackHost reports whether host is localhost or a loopback IP literal.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// ValidateRedirectURI checks a URI offered at registration: absolute, no
// fragment, and https unless it points at a loopback host (OAuth 2.1 §2.3.1,
// MCP security considerations). Private-use schemes of native apps
// (com.example.app:/cb) are accepted when they contain a dot.
func ValidateRedirectURI(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return ErrInvalidRedirectURI("redirect URI must be an absolute URI: " + raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return ErrInvalidRedirectURI("redirect URI must not contain a fragment: " + raw)
	}
	switch u.Scheme {
	case "https":
		if u.Host == "" {
			return ErrInvalidRedirectURI("redirect URI has no host: " + raw)
		}
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return ErrInvalidRedirectURI("redirect URI must use https or a loopback host: " + raw)
		}
	default:
		if !strings.Contains(u.Scheme, ".") {
			return ErrInvalidRedirectURI("redirect URI scheme not allowed: " + raw)
		}
	}
	return nil
}
