// Package account provides Gatehouse's built-in MCP tools: who the caller
// is, the caller's own grants, and administration of clients, sessions,
// grants and the audit trail. Which scope each tool needs is policy, not
// code: DefaultPolicy is the starting point that configuration may replace.
package account

import (
	"context"
	"errors"
	"fmt"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// Tool names.
const (
	ToolWhoami              = "whoami"
	ToolGrantsList          = "grants_list"
	ToolGrantsRevoke        = "grants_revoke"
	ToolAdminClientsList    = "admin_clients_list"
	ToolAdminSessionsList   = "admin_sessions_list"
	ToolAdminSessionsRevoke = "admin_sessions_revoke"
	ToolAdminGrantsList     = "admin_grants_list"
	ToolAdminGrantsRevoke   = "admin_grants_revoke"
	ToolAdminAuditRecent    = "admin_audit_recent"
)

// ToolNames lists every tool Register adds, so that tools from elsewhere
// can be kept from taking their names.
func ToolNames() []string {
	return []string{
		ToolWhoami, ToolGrantsList, ToolGrantsRevoke, ToolAdminClientsList, ToolAdminSessionsList,
		ToolAdminSessionsRevoke, ToolAdminGrantsList, ToolAdminGrantsRevoke, ToolAdminAuditRecent,
	}
}

// DefaultPolicy returns the scope rules for these tools: reading about
// oneself needs read, changing one's grants needs write, and every admin_
// tool needs admin.
func DefaultPolicy() []domain.ToolRule {
	return []domain.ToolRule{
		{Match: ToolWhoami, Scopes: domain.NewScopes("read")},
		{Match: ToolGrantsList, Scopes: domain.NewScopes("read")},
		{Match: ToolGrantsRevoke, Scopes: domain.NewScopes("write")},
		{Match: "admin_*", Scopes: domain.NewScopes("admin")},
	}
}

// Register adds every tool to s, backed by acc. Handlers trust the caller
// the MCP layer put in the context; the scope check happened before them.
func Register(s *mcpsdk.Server, acc *app.Accounts) {
	t := tools{acc: acc}
	t.registerSelf(s)
	t.registerAdmin(s)
}

type tools struct {
	acc *app.Accounts
}

// errNoCaller: a handler ran outside an authenticated call, which the MCP
// layer never allows.
var errNoCaller = errors.New("no authenticated caller")

func callerFrom(ctx context.Context) (app.Caller, error) {
	c, ok := app.CallerFrom(ctx)
	if !ok {
		return app.Caller{}, errNoCaller
	}
	return c, nil
}

// toolError turns a use-case error into the text the caller sees as a tool
// error. Store failures are not described: their text names backends.
func toolError(err error, what string) error {
	switch {
	case errors.Is(err, app.ErrNoGrants):
		return errors.New("this server keeps no grants: its tokens are issued by an external identity provider, so grants are managed there")
	case errors.Is(err, ports.ErrNotFound):
		return fmt.Errorf("%s not found", what)
	case errors.Is(err, ports.ErrUnavailable):
		return errors.New("service unavailable, try again later")
	default:
		return errors.New("internal error")
	}
}

func ptr[T any](v T) *T { return &v }

// readOnly and revoking annotate tools for clients deciding whether to ask
// the user first. Nothing here reaches beyond Gatehouse itself.
func readOnly() *mcpsdk.ToolAnnotations {
	return &mcpsdk.ToolAnnotations{ReadOnlyHint: true, OpenWorldHint: ptr(false)}
}

func revoking() *mcpsdk.ToolAnnotations {
	return &mcpsdk.ToolAnnotations{DestructiveHint: ptr(true), IdempotentHint: true, OpenWorldHint: ptr(false)}
}
