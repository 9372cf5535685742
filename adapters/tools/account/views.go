package account

import (
	"time"

	"gatehouse/domain"
)

// The shapes tools return. Times are RFC 3339 in UTC; nothing secret (client
// secret hashes, session ids, tokens) is ever part of them.

type grantView struct {
	ID        string   `json:"id" jsonschema:"grant id, the handle for revoking it"`
	ClientID  string   `json:"client_id" jsonschema:"client the grant was given to"`
	Subject   string   `json:"subject" jsonschema:"user who gave the grant"`
	Scopes    []string `json:"scopes" jsonschema:"scopes granted"`
	CreatedAt string   `json:"created_at" jsonschema:"when the grant was given (RFC 3339)"`
	ExpiresAt string   `json:"expires_at" jsonschema:"when the grant ends unless refreshed tokens are revoked earlier (RFC 3339)"`
}

func viewGrant(g domain.Grant) grantView {
	return grantView{
		ID: g.ID, ClientID: g.ClientID, Subject: g.Subject, Scopes: list(g.Scopes),
		CreatedAt: rfc3339(g.CreatedAt), ExpiresAt: rfc3339(g.ExpiresAt),
	}
}

func viewGrants(gs []domain.Grant) []grantView {
	out := make([]grantView, 0, len(gs))
	for _, g := range gs {
		out = append(out, viewGrant(g))
	}
	return out
}

type clientView struct {
	ID           string   `json:"id" jsonschema:"client id"`
	Name         string   `json:"name" jsonschema:"display name"`
	RedirectURIs []string `json:"redirect_uris" jsonschema:"registered redirect URIs"`
	GrantTypes   []string `json:"grant_types" jsonschema:"grant types the client may use"`
	AuthMethod   string   `json:"auth_method" jsonschema:"token endpoint authentication method"`
	Scopes       []string `json:"scopes" jsonschema:"the most the client may be granted"`
	CreatedAt    string   `json:"created_at,omitempty" jsonschema:"registration time (RFC 3339)"`
}

func viewClient(c domain.Client) clientView {
	return clientView{
		ID: c.ID, Name: c.Name, RedirectURIs: list(c.RedirectURIs), GrantTypes: list(c.GrantTypes),
		AuthMethod: c.TokenEndpointAuthMethod, Scopes: list(c.Scopes), CreatedAt: rfc3339(c.CreatedAt),
	}
}

type sessionView struct {
	IDHash    string `json:"id_hash" jsonschema:"SHA-256 of the session id: a handle, not a credential"`
	Kind      string `json:"kind" jsonschema:"mcp (REST API session) or browser (login at the authorization server)"`
	Subject   string `json:"subject" jsonschema:"user the session belongs to"`
	ClientID  string `json:"client_id,omitempty" jsonschema:"client that opened the session"`
	CreatedAt string `json:"created_at" jsonschema:"RFC 3339"`
	LastUsed  string `json:"last_used" jsonschema:"RFC 3339"`
	ExpiresAt string `json:"expires_at" jsonschema:"RFC 3339"`
}

func viewSession(s domain.Session) sessionView {
	return sessionView{
		IDHash: s.IDHash, Kind: s.Kind, Subject: s.Subject, ClientID: s.ClientID,
		CreatedAt: rfc3339(s.CreatedAt), LastUsed: rfc3339(s.LastUsed), ExpiresAt: rfc3339(s.ExpiresAt),
	}
}

type invocationView struct {
	At         string         `json:"at" jsonschema:"RFC 3339"`
	Subject    string         `json:"subject" jsonschema:"caller"`
	ClientID   string         `json:"client_id" jsonschema:"client the caller used"`
	Tool       string         `json:"tool" jsonschema:"tool called"`
	Transport  string         `json:"transport" jsonschema:"http, rest or stdio"`
	Outcome    string         `json:"outcome" jsonschema:"ok, error, denied or rate_limited"`
	Reason     string         `json:"reason,omitempty" jsonschema:"why it was refused or failed"`
	DurationMS float64        `json:"duration_ms" jsonschema:"time the tool ran, in milliseconds"`
	Arguments  map[string]any `json:"arguments,omitempty" jsonschema:"argument names, with values only where configured"`
}

func viewInvocation(inv domain.ToolInvocation) invocationView {
	return invocationView{
		At: rfc3339(inv.At), Subject: inv.Subject, ClientID: inv.ClientID, Tool: inv.Tool,
		Transport: inv.Transport, Outcome: inv.Outcome, Reason: inv.Reason,
		DurationMS: float64(inv.Duration) / float64(time.Millisecond), Arguments: inv.Arguments,
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// list copies a list so that JSON shows [] rather than null for none.
func list[S ~[]string](s S) []string {
	return append([]string{}, s...)
}
