package account

import (
	"context"
	"errors"
	"fmt"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/domain"
)

// Audit listing bounds.
const (
	defaultAuditLimit = 50
	maxAuditLimit     = 500
)

type clientsOut struct {
	Clients []clientView `json:"clients" jsonschema:"registered clients, by id"`
}

type sessionsIn struct {
	Subject string `json:"subject" jsonschema:"user whose sessions to list"`
	Kind    string `json:"kind,omitempty" jsonschema:"mcp (default) for REST API sessions or browser for logins at the authorization server"`
}

type sessionsOut struct {
	Sessions []sessionView `json:"sessions" jsonschema:"live sessions, oldest first"`
}

type sessionIn struct {
	IDHash string `json:"id_hash" jsonschema:"id_hash of the session, as listed"`
}

type revokedSessionOut struct {
	IDHash  string `json:"id_hash" jsonschema:"the session that was ended"`
	Revoked bool   `json:"revoked" jsonschema:"true once the session is gone"`
}

type subjectIn struct {
	Subject string `json:"subject" jsonschema:"user whose grants to list"`
}

type auditIn struct {
	Limit int `json:"limit,omitempty" jsonschema:"how many entries, newest first: default 50, at most 500"`
}

type auditOut struct {
	Invocations []invocationView `json:"invocations" jsonschema:"recent tool invocations, newest first"`
}

var (
	errSubjectRequired = errors.New("subject is required")
	errIDHashRequired  = errors.New("id_hash is required")
)

// registerAdmin adds the administration tools.
func (t tools) registerAdmin(s *mcpsdk.Server) {
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminClientsList, Title: "List clients",
		Description: "Lists every registered OAuth client: id, name, redirect URIs, grant types, authentication method and scopes.",
		Annotations: readOnly(),
	}, t.clientsList)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminSessionsList, Title: "List a user's sessions",
		Description: "Lists a user's live sessions of one kind (mcp REST API sessions by default, or browser logins).",
		Annotations: readOnly(),
	}, t.sessionsList)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminSessionsRevoke, Title: "End a session",
		Description: "Ends any user's session, named by the id_hash that admin_sessions_list shows.",
		Annotations: revoking(),
	}, t.sessionsRevoke)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminGrantsList, Title: "List a user's grants",
		Description: "Lists any user's active grants: clients, scopes and expiry.",
		Annotations: readOnly(),
	}, t.grantsListAny)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminGrantsRevoke, Title: "Revoke any grant",
		Description: "Revokes any user's grant; every refresh and access token issued from it stops working.",
		Annotations: revoking(),
	}, t.grantsRevokeAny)
	mcpsdk.AddTool(s, &mcpsdk.Tool{
		Name: ToolAdminAuditRecent, Title: "Recent tool calls",
		Description: "Shows the most recent tool invocations from the audit trail, newest first: who, which tool, outcome and duration.",
		Annotations: readOnly(),
	}, t.auditRecent)
}

func (t tools) clientsList(ctx context.Context, _ *mcpsdk.CallToolRequest, _ none) (*mcpsdk.CallToolResult, clientsOut, error) {
	if _, err := callerFrom(ctx); err != nil {
		return nil, clientsOut{}, err
	}
	cs, err := t.acc.ListClients(ctx)
	if err != nil {
		return nil, clientsOut{}, toolError(err, "clients")
	}
	out := clientsOut{Clients: make([]clientView, 0, len(cs))}
	for _, c := range cs {
		out.Clients = append(out.Clients, viewClient(c))
	}
	return nil, out, nil
}

func (t tools) sessionsList(ctx context.Context, _ *mcpsdk.CallToolRequest, in sessionsIn) (*mcpsdk.CallToolResult, sessionsOut, error) {
	if _, err := callerFrom(ctx); err != nil {
		return nil, sessionsOut{}, err
	}
	if in.Subject == "" {
		return nil, sessionsOut{}, errSubjectRequired
	}
	kind := in.Kind
	switch kind {
	case "":
		kind = domain.SessionMCP
	case domain.SessionMCP, domain.SessionBrowser:
	default:
		return nil, sessionsOut{}, fmt.Errorf("kind must be %q or %q", domain.SessionMCP, domain.SessionBrowser)
	}
	ss, err := t.acc.ListSessions(ctx, in.Subject, kind)
	if err != nil {
		return nil, sessionsOut{}, toolError(err, "sessions")
	}
	out := sessionsOut{Sessions: make([]sessionView, 0, len(ss))}
	for _, s := range ss {
		out.Sessions = append(out.Sessions, viewSession(s))
	}
	return nil, out, nil
}

func (t tools) sessionsRevoke(ctx context.Context, _ *mcpsdk.CallToolRequest, in sessionIn) (*mcpsdk.CallToolResult, revokedSessionOut, error) {
	if _, err := callerFrom(ctx); err != nil {
		return nil, revokedSessionOut{}, err
	}
	if in.IDHash == "" {
		return nil, revokedSessionOut{}, errIDHashRequired
	}
	if err := t.acc.RevokeSession(ctx, in.IDHash); err != nil {
		return nil, revokedSessionOut{}, toolError(err, "session")
	}
	return nil, revokedSessionOut{IDHash: in.IDHash, Revoked: true}, nil
}

func (t tools) grantsListAny(ctx context.Context, _ *mcpsdk.CallToolRequest, in subjectIn) (*mcpsdk.CallToolResult, grantsOut, error) {
	if _, err := callerFrom(ctx); err != nil {
		return nil, grantsOut{}, err
	}
	if in.Subject == "" {
		return nil, grantsOut{}, errSubjectRequired
	}
	gs, err := t.acc.ListGrants(ctx, in.Subject)
	if err != nil {
		return nil, grantsOut{}, toolError(err, "grants")
	}
	return nil, grantsOut{Grants: viewGrants(gs)}, nil
}

func (t tools) grantsRevokeAny(ctx context.Context, _ *mcpsdk.CallToolRequest, in grantIn) (*mcpsdk.CallToolResult, revokedGrantOut, error) {
	c, err := callerFrom(ctx)
	if err != nil {
		return nil, revokedGrantOut{}, err
	}
	if in.GrantID == "" {
		return nil, revokedGrantOut{}, errGrantIDRequired
	}
	g, err := t.acc.RevokeGrant(ctx, c.Principal, in.GrantID, true)
	if err != nil {
		return nil, revokedGrantOut{}, toolError(err, "grant "+in.GrantID)
	}
	return nil, revokedGrantOut{Revoked: viewGrant(g)}, nil
}

func (t tools) auditRecent(ctx context.Context, _ *mcpsdk.CallToolRequest, in auditIn) (*mcpsdk.CallToolResult, auditOut, error) {
	if _, err := callerFrom(ctx); err != nil {
		return nil, auditOut{}, err
	}
	limit := in.Limit
	switch {
	case limit < 0:
		return nil, auditOut{}, fmt.Errorf("limit must be between 1 and %d", maxAuditLimit)
	case limit == 0:
		limit = defaultAuditLimit
	case limit > maxAuditLimit:
		limit = maxAuditLimit
	}
	invs, err := t.acc.RecentInvocations(ctx, limit)
	if err != nil {
		return nil, auditOut{}, toolError(err, "audit trail")
	}
	out := auditOut{Invocations: make([]invocationView, 0, len(invs))}
	for _, inv := range invs {
		out.Invocations = append(out.Invocations, viewInvocation(inv))
	}
	return nil, out, nil
}
