package redis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// A grant is a hash: "d" its JSON, "exp" its ExpiresAt stamp, "rev" the
// stamp of its revocation once revoked. Each subject has an index of its
// grants, members "<exp stamp>|<id>", so ListGrants reads only live ones.

const (
	nsGrant    = "grant:"
	nsGrantsOf = "grants:"
)

// createGrantScript stores a grant and indexes it under its subject.
// KEYS: grant, subject index. ARGV: ttl, member, purge stamp, fields.
var createGrantScript = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
expire(KEYS[1], ARGV[1])
index_purge(KEYS[2], ARGV[3])
index_add(KEYS[2], ARGV[2], ARGV[1])
return 1
`)

// revokeGrantScript marks a grant live at now revoked, keeping the first
// revocation's instant. KEYS: grant. ARGV: now. Returns 1, or 0 if absent or
// expired.
var revokeGrantScript = script(`
local g = redis.call('HMGET', KEYS[1], 'exp', 'rev')
if not g[1] or g[1] <= ARGV[1] then return 0 end
if not g[2] then redis.call('HSET', KEYS[1], 'rev', ARGV[1]) end
return 1
`)

// CreateGrant implements ports.GrantStore.
func (s *Store) CreateGrant(ctx context.Context, g domain.Grant) error {
	d, err := marshal(g)
	if err != nil {
		return fmt.Errorf("redis: create grant %q: %w", g.ID, err)
	}
	f := fields{"d", d, "exp", stamp(g.ExpiresAt)}
	if !g.RevokedAt.IsZero() {
		f = append(f, "rev", stamp(g.RevokedAt))
	}
	args := append([]any{s.ttl(g.ExpiresAt), member(g.ExpiresAt, g.ID), s.purgeStamp(s.wall())}, f...)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := createGrantScript.Run(ctx, s.client, []string{s.key(nsGrant, g.ID), s.key(nsGrantsOf, g.Subject)}, args...).Int()
	if err != nil {
		return s.fail(fmt.Sprintf("create grant %q", g.ID), err)
	}
	if n == 0 {
		return fmt.Errorf("redis: create grant %q: %w", g.ID, ports.ErrAlreadyExists)
	}
	return nil
}

// GetGrant implements ports.GrantStore.
func (s *Store) GetGrant(ctx context.Context, id string, now time.Time) (domain.Grant, error) {
	op := fmt.Sprintf("get grant %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HMGet(ctx, s.key(nsGrant, id), "d", "rev").Result()
	if err != nil {
		return domain.Grant{}, s.fail(op, err)
	}
	if str(vals, 0) == "" {
		return domain.Grant{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	g, err := decodeGrant(op, str(vals, 0), str(vals, 1))
	if err != nil {
		return domain.Grant{}, err
	}
	if expired(g.ExpiresAt, now) {
		return domain.Grant{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return g, nil
}

// ListGrants implements ports.GrantStore.
func (s *Store) ListGrants(ctx context.Context, subject string, now time.Time) ([]domain.Grant, error) {
	op := fmt.Sprintf("list grants of %q", subject)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.runScript(ctx, listIndexedScript, []string{s.key(nsGrantsOf, subject)},
		stamp(now), s.purgeStamp(now), s.key(nsGrant, ""), "d", "rev")
	if err != nil {
		return nil, s.fail(op, err)
	}
	var out []domain.Grant
	for i := 0; i+1 < len(vals); i += 2 {
		g, err := decodeGrant(op, str(vals, i), str(vals, i+1))
		if err != nil {
			return nil, err
		}
		if g.Subject == subject && g.Active(now) {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b domain.Grant) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

// RevokeGrant implements ports.GrantStore. The family's refresh tokens need
// no change: RotateRefreshToken refuses any token whose grant is revoked, in
// the same script that reads the grant.
func (s *Store) RevokeGrant(ctx context.Context, id string, now time.Time) error {
	op := fmt.Sprintf("revoke grant %q", id)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := revokeGrantScript.Run(ctx, s.client, []string{s.key(nsGrant, id)}, stamp(now)).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

func decodeGrant(op, d, rev string) (domain.Grant, error) {
	var g domain.Grant
	if err := decodeInto(op, d, &g); err != nil {
		return domain.Grant{}, err
	}
	if rev != "" {
		t, err := optionalTime(op, rev)
		if err != nil {
			return domain.Grant{}, err
		}
		g.RevokedAt = t
	}
	return g, nil
}

// expired reports whether a record expiring at exp is gone at now. At exp
// itself it is, as domain.Grant.Active has it.
func expired(exp, now time.Time) bool { return !now.Before(exp) }
