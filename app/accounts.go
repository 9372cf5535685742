package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Accounts are the use cases behind the account and administration tools:
// a user's own grants, and for admins every client, session and grant and
// the audit trail. Grants is nil when an external identity provider issues
// the tokens (there are no grants to show).
type Accounts struct {
	Clients     ports.ClientStore
	Grants      ports.GrantStore
	Revocations ports.RevocationList
	Sessions    ports.SessionStore
	Audit       ports.AuditReader
	// AccessTokenTTL bounds how long a revoked grant's access tokens must
	// stay denied.
	AccessTokenTTL time.Duration
	Clock          ports.Clock
}

// ErrNoGrants: this deployment keeps no grants (external identity provider).
var ErrNoGrants = errors.New("grants are kept by the external identity provider")

// ListGrants returns the subject's active grants.
func (a *Accounts) ListGrants(ctx context.Context, subject string) ([]domain.Grant, error) {
	if a.Grants == nil {
		return nil, ErrNoGrants
	}
	return a.Grants.ListGrants(ctx, subject, a.Clock())
}

// RevokeGrant revokes a grant and denies its access tokens. A caller who is
// not an admin may revoke only their own grants; another's is reported as
// not found.
func (a *Accounts) RevokeGrant(ctx context.Context, caller domain.Principal, grantID string, asAdmin bool) (domain.Grant, error) {
	if a.Grants == nil {
		return domain.Grant{}, ErrNoGrants
	}
	now := a.Clock()
	g, err := a.Grants.GetGrant(ctx, grantID, now)
	if err != nil {
		return domain.Grant{}, err
	}
	if !asAdmin && g.Subject != caller.Subject {
		return domain.Grant{}, fmt.Errorf("grant %q: %w", grantID, ports.ErrNotFound)
	}
	if err := revokeFamily(ctx, a.Grants, a.Revocations, grantID, now, a.AccessTokenTTL); err != nil {
		return domain.Grant{}, err
	}
	g.RevokedAt = now
	return g, nil
}

// ListClients returns every registered client.
func (a *Accounts) ListClients(ctx context.Context) ([]domain.Client, error) {
	return a.Clients.ListClients(ctx)
}

// ListSessions returns a subject's live sessions of a kind.
func (a *Accounts) ListSessions(ctx context.Context, subject, kind string) ([]domain.Session, error) {
	return a.Sessions.ListSessions(ctx, subject, kind, a.Clock())
}

// RevokeSession ends a session by the hash of its id (what listings show).
func (a *Accounts) RevokeSession(ctx context.Context, idHash string) error {
	return a.Sessions.DeleteSession(ctx, idHash)
}

// RecentInvocations returns the newest audit entries.
func (a *Accounts) RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error) {
	if a.Audit == nil {
		return nil, nil
	}
	return a.Audit.RecentInvocations(ctx, limit)
}

// RevocationMargin keeps a revoked token or grant on the revocation list
// past the last moment a verifier could still accept its tokens: the
// verifier tolerates clock skew (at most 5 minutes, config-enforced), and a
// token must not come back to life inside that leeway.
const RevocationMargin = 6 * time.Minute

// revokeFamily revokes a grant in the store and denies its access tokens
// until the last of them would have expired anyway.
func revokeFamily(ctx context.Context, grants ports.GrantStore, rl ports.RevocationList, grantID string, now time.Time, accessTTL time.Duration) error {
	if err := grants.RevokeGrant(ctx, grantID, now); err != nil && !errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("revoke grant: %w", err)
	}
	if err := rl.Revoke(ctx, GrantRevocationKey(grantID), now.Add(accessTTL+RevocationMargin)); err != nil {
		return fmt.Errorf("deny grant's access tokens: %w", err)
	}
	return nil
}
