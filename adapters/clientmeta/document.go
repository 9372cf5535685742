package clientmeta

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// document is the subset of RFC 7591 client metadata a metadata document may
// carry. Unknown members are ignored, as RFC 7591 §2 asks.
type document struct {
	ClientID                string
	ClientName              string
	RedirectURIs            []string
	GrantTypes              []string
	ResponseTypes           []string
	TokenEndpointAuthMethod string
	ApplicationType         string
	ClientURI               string
	LogoURI                 string
	Contacts                []string
}

// decodeDocument reads members by their exact names; encoding/json's
// case-insensitive struct matching would let "Client_ID" stand in for
// client_id.
func decodeDocument(members map[string]json.RawMessage) (document, error) {
	var d document
	fields := []struct {
		name string
		dst  any
	}{
		{"client_id", &d.ClientID},
		{"client_name", &d.ClientName},
		{"redirect_uris", &d.RedirectURIs},
		{"grant_types", &d.GrantTypes},
		{"response_types", &d.ResponseTypes},
		{"token_endpoint_auth_method", &d.TokenEndpointAuthMethod},
		{"application_type", &d.ApplicationType},
		{"client_uri", &d.ClientURI},
		{"logo_uri", &d.LogoURI},
		{"contacts", &d.Contacts},
	}
	for _, f := range fields {
		raw, ok := members[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, f.dst); err != nil {
			return document{}, fmt.Errorf("member %q: %w", f.name, err)
		}
	}
	return d, nil
}

// secretMembers may not appear at all: a document is public, so anything it
// holds is no secret (draft section 4).
var secretMembers = []string{"client_secret", "client_secret_expires_at"}

// parseDocument validates body as the metadata document published at
// clientID and maps it to a public client. The client's scopes stay empty:
// what a metadata client may ask for is capped by policy, not by the client.
func parseDocument(clientID string, body []byte, now time.Time) (domain.Client, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		return domain.Client{}, docError("client metadata document is malformed", err)
	}
	for _, m := range secretMembers {
		if _, ok := members[m]; ok {
			return domain.Client{}, docError("client metadata document must not contain a client secret",
				fmt.Errorf("member %q present", m))
		}
	}
	doc, err := decodeDocument(members)
	if err != nil {
		return domain.Client{}, docError("client metadata document is malformed", err)
	}
	if doc.ClientID != clientID {
		return domain.Client{}, docError("client_id in document does not match",
			fmt.Errorf("document client_id %q, URL %q", doc.ClientID, clientID))
	}
	if err := doc.validate(); err != nil {
		return domain.Client{}, err
	}
	return domain.Client{
		ID:                      clientID,
		Name:                    strings.TrimSpace(doc.ClientName),
		RedirectURIs:            doc.RedirectURIs,
		GrantTypes:              orDefault(doc.GrantTypes, domain.GrantAuthorizationCode, domain.GrantRefreshToken),
		ResponseTypes:           orDefault(doc.ResponseTypes, "code"),
		TokenEndpointAuthMethod: domain.AuthMethodNone,
		ApplicationType:         doc.ApplicationType,
		ClientURI:               doc.ClientURI,
		LogoURI:                 doc.LogoURI,
		Contacts:                doc.Contacts,
		MetadataDocument:        true,
		CreatedAt:               now,
	}, nil
}

func (d document) validate() error {
	if strings.TrimSpace(d.ClientName) == "" {
		return docError("client metadata document lacks client_name", errors.New("client_name missing"))
	}
	if len(d.RedirectURIs) == 0 {
		return docError("client metadata document lacks redirect_uris", errors.New("redirect_uris missing"))
	}
	for _, r := range d.RedirectURIs {
		if err := domain.ValidateRedirectURI(r); err != nil {
			return docError("client metadata document has an invalid redirect URI", err)
		}
	}
	switch d.TokenEndpointAuthMethod {
	case "", domain.AuthMethodNone:
	default:
		// Secret-based methods would need a secret the document cannot keep;
		// key-based ones are not supported for metadata clients.
		return docError("client metadata document must use token_endpoint_auth_method none",
			fmt.Errorf("token_endpoint_auth_method %q", d.TokenEndpointAuthMethod))
	}
	for _, g := range d.GrantTypes {
		if g != domain.GrantAuthorizationCode && g != domain.GrantRefreshToken {
			return docError("client metadata document lists an unsupported grant type",
				fmt.Errorf("grant_type %q", g))
		}
	}
	if len(d.GrantTypes) > 0 && !slices.Contains(d.GrantTypes, domain.GrantAuthorizationCode) {
		return docError("client metadata document lists an unsupported grant type",
			errors.New("authorization_code missing from grant_types"))
	}
	for _, r := range d.ResponseTypes {
		if r != "code" {
			return docError("client metadata document lists an unsupported response type",
				fmt.Errorf("response_type %q", r))
		}
	}
	switch d.ApplicationType {
	case "", "web", "native":
	default:
		return docError("client metadata document has an invalid application_type",
			fmt.Errorf("application_type %q", d.ApplicationType))
	}
	// These are shown on the consent page as links and images, so only web
	// URLs may pass (no javascript: or data:).
	if d.ClientURI != "" && !isWebURL(d.ClientURI) {
		return docError("client metadata document has an invalid client_uri", fmt.Errorf("client_uri %q", d.ClientURI))
	}
	if d.LogoURI != "" && !isWebURL(d.LogoURI) {
		return docError("client metadata document has an invalid logo_uri", fmt.Errorf("logo_uri %q", d.LogoURI))
	}
	return nil
}

func isWebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}

func orDefault(v []string, def ...string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

func docError(desc string, cause error) *domain.OAuthError {
	return domain.ErrInvalidClient(desc).WithCause(fmt.Errorf("clientmeta: %w", cause))
}
