package account

import (
	"context"
	"errors"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

type none struct{}

var errGrantIDRequired = errors.New("grant_id is required")

type whoamiOut struct {
	Subject   string   `json:"subject" jsonschema:"who the token speaks for"`
	ClientID  string   `json:"client_id" jsonschema:"client the token was issued to"`
	Scopes    []string `json:"scopes" jsonschema:"scopes the token carries"`
	ExpiresAt string   `json:"expires_at,omitempty" jsonschema:"when the access token expires (RFC 3339)"`
	Transport string   `json:"transport" jsonschema:"how this call arrived: http, rest or stdio"`
	Issuer    string   `json:"issuer,omitempty" jsonschema:"who issued the token"`
	Name      string   `json:"name,omitempty" jsonschema:"the subject's name, when the token carries one"`
	Email     string   `json:"email,omitempty" jsonschema:"the subject's email, when the token carries one"`
}

type grantsOut struct {
	Grants []grantView `json:"grants" jsonschema:"active grants, oldest first"`
}

type grantIn struct {
	GrantID string `json:"grant_id" jsonschema:"id of the grant, as listed"`
}

type revokedGrantOut struct {
	Revoked grantView `json:"revoked" jsonschema:"the grant, now revoked with every token it issued"`
}

// registerSelf adds the tools about the caller's own account.
func (t tools) registerSelf(s *mcpsdk.Server) {
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolWhoami, Title: "Who am I",
		Description: "Shows who the current access token speaks for: subject, client, scopes, expiry and transport.",
		Annotations: readOnly(),
	}, t.whoami)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolGrantsList, Title: "My grants",
		Description: "Lists the caller's active grants: which clients may act for them, with which scopes, until when.",
		Annotations: readOnly(),
	}, t.grantsList)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolGrantsRevoke, Title: "Revoke my grant",
		Description: "Revokes one of the caller's own grants; the client's refresh and access tokens from it stop working.",
		Annotations: revoking(),
	}, t.grantsRevoke)
}

func (t tools) whoami(ctx context.Context, _ *mcpsdk.CallToolRequest, _ none) (*mcpsdk.CallToolResult, whoamiOut, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, whoamiOut{}, err
	}
	p := c.Principal
	return nil, whoamiOut{
		Subject: p.Subject, ClientID: p.ClientID, Scopes: list(p.Scopes),
		ExpiresAt: rfc3339(p.ExpiresAt), Transport: c.Transport,
		Issuer: p.Issuer, Name: p.Name, Email: p.Email,
	}, nil
}

func (t tools) grantsList(ctx context.Context, _ *mcpsdk.CallToolRequest, _ none) (*mcpsdk.CallToolResult, grantsOut, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, grantsOut{}, err
	}
	gs, err := t.acc.ListGrants(ctx, c.Principal.Subject)
	if err != nil {
		return nil, grantsOut{}, toolError(err, "grants")
	}
	return nil, grantsOut{Grants: viewGrants(gs)}, nil
}

func (t tools) grantsRevoke(ctx context.Context, _ *mcpsdk.CallToolRequest, in grantIn) (*mcpsdk.CallToolResult, revokedGrantOut, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, revokedGrantOut{}, err
	}
	if in.GrantID == "" {
		return nil, revokedGrantOut{}, errGrantIDRequired
	}
	g, err := t.acc.RevokeGrant(ctx, c.Principal, in.GrantID, false)
	if err != nil {
		return nil, revokedGrantOut{}, toolError(err, "grant "+in.GrantID)
	}
	return nil, revokedGrantOut{Revoked: viewGrant(g)}, nil
}
