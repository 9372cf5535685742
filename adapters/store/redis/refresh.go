package redis

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// A refresh token is a hash: "d" its JSON as saved, "exp" its ExpiresAt
// stamp, "gid" its grant id, and once rotated "rot" (stamp), "succ" (the
// successor's hash), "sealed" (the sealed successor) and "gu" (stamp of the
// spent grace use). Those fields override the same ones in "d".

const nsRefresh = "refresh:"

// rotateRefreshScript is RotateRefreshToken in one atomic step, in the
// order the memory store decides: expiry, then reuse (before the grant's
// state, so every late presentation reports reuse), then the grant, then
// the next hash.
// KEYS: old token, next token. ARGV: now, refresh key prefix, grant key
// prefix, grace floor stamp ("" when Grace <= 0), next hash, sealed next,
// next ttl, next fields.
// Returns {"notfound"}, {"inactive"}, {"exists"}, {"reused"},
// {"grace", d, rot, succ, sealed} or {"ok", d}.
var rotateRefreshScript = script(`
local now = ARGV[1]
local o = redis.call('HMGET', KEYS[1], 'exp', 'gid', 'rot', 'succ', 'gu', 'd', 'sealed')
if not o[1] or o[1] <= now then return {'notfound'} end
local gkey = ARGV[3] .. o[2]
local function grant_active()
  local g = redis.call('HMGET', gkey, 'exp', 'rev')
  return g[1] and g[1] > now and not g[2]
end
if o[3] then
  if ARGV[4] ~= '' and not o[5] and o[3] > ARGV[4] and grant_active() then
    local n = redis.call('HMGET', ARGV[2] .. (o[4] or ''), 'exp', 'rot')
    if n[1] and n[1] > now and not n[2] then
      redis.call('HSET', KEYS[1], 'gu', now)
      return {'grace', o[6], o[3], o[4] or '', o[7] or ''}
    end
  end
  if redis.call('EXISTS', gkey) == 1 and redis.call('HEXISTS', gkey, 'rev') == 0 then
    redis.call('HSET', gkey, 'rev', now)
  end
  return {'reused'}
end
if not grant_active() then return {'inactive'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'exists'} end
redis.call('HSET', KEYS[1], 'rot', now, 'succ', ARGV[5], 'sealed', ARGV[6])
redis.call('HSET', KEYS[2], unpack(ARGV, 8))
expire(KEYS[2], ARGV[7])
return {'ok', o[6]}
`)

// refreshFields is a token as stored: its JSON and the fields scripts read.
func refreshFields(t domain.RefreshToken) (fields, error) {
	d, err := marshal(t)
	if err != nil {
		return nil, err
	}
	f := fields{"d", d, "exp", stamp(t.ExpiresAt), "gid", t.GrantID}
	if !t.RotatedAt.IsZero() {
		f = append(f, "rot", stamp(t.RotatedAt), "succ", t.Successor, "sealed", string(t.SealedSuccessor))
	}
	if !t.GraceUsedAt.IsZero() {
		f = append(f, "gu", stamp(t.GraceUsedAt))
	}
	return f, nil
}

// SaveRefreshToken implements ports.GrantStore.
func (s *Store) SaveRefreshToken(ctx context.Context, t domain.RefreshToken) error {
	f, err := refreshFields(t)
	if err != nil {
		return fmt.Errorf("redis: save refresh token: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := createRecordScript.Run(ctx, s.client, []string{s.key(nsRefresh, t.Hash)}, append([]any{s.ttl(t.ExpiresAt)}, f...)...).Int()
	if err != nil {
		return s.fail("save refresh token", err)
	}
	if n == 0 {
		return fmt.Errorf("redis: save refresh token: %w", ports.ErrAlreadyExists)
	}
	return nil
}

// RotateRefreshToken implements ports.GrantStore. The rotated token keeps
// its TTL (its own ExpiresAt), so reuse is recognised for as long as the
// token could have been used.
func (s *Store) RotateRefreshToken(ctx context.Context, oldHash string, r ports.Rotation, now time.Time) (domain.RefreshToken, error) {
	const op = "rotate refresh token"
	next, err := refreshFields(r.Next)
	if err != nil {
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: next: %w", op, err)
	}
	graceFloor := ""
	if r.Grace > 0 {
		// now is within Grace of RotatedAt exactly when RotatedAt > now-Grace.
		graceFloor = stamp(now.Add(-r.Grace))
	}
	args := append([]any{stamp(now), s.key(nsRefresh, ""), s.key(nsGrant, ""), graceFloor,
		r.Next.Hash, string(r.SealedNext), s.ttl(r.Next.ExpiresAt)}, next...)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.runScript(ctx, rotateRefreshScript, []string{s.key(nsRefresh, oldHash), s.key(nsRefresh, r.Next.Hash)}, args...)
	if err != nil {
		return domain.RefreshToken{}, s.fail(op, err)
	}
	var old domain.RefreshToken
	switch str(res, 0) {
	case "ok":
		if err := decodeInto(op, str(res, 1), &old); err != nil {
			return domain.RefreshToken{}, err
		}
		old.RotatedAt, old.Successor, old.SealedSuccessor = now, r.Next.Hash, bytes.Clone(r.SealedNext)
		return old, nil
	case "grace":
		if err := decodeInto(op, str(res, 1), &old); err != nil {
			return domain.RefreshToken{}, err
		}
		if old.RotatedAt, err = optionalTime(op, str(res, 2)); err != nil {
			return domain.RefreshToken{}, err
		}
		old.Successor, old.SealedSuccessor, old.GraceUsedAt = str(res, 3), nonEmpty(str(res, 4)), now
		return old, fmt.Errorf("redis: %s of grant %q: %w", op, old.GrantID, ports.ErrRefreshInGrace)
	case "reused":
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: %w", op, ports.ErrRefreshReused)
	case "inactive":
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: grant inactive: %w", op, ports.ErrNotFound)
	case "notfound":
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	case "exists":
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: next: %w", op, ports.ErrAlreadyExists)
	default:
		return domain.RefreshToken{}, unexpected(op, res)
	}
}

// GetRefreshToken implements ports.GrantStore.
func (s *Store) GetRefreshToken(ctx context.Context, hash string, now time.Time) (domain.RefreshToken, error) {
	const op = "get refresh token"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HMGet(ctx, s.key(nsRefresh, hash), "d", "rot", "succ", "sealed", "gu").Result()
	if err != nil {
		return domain.RefreshToken{}, s.fail(op, err)
	}
	if str(vals, 0) == "" {
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	var t domain.RefreshToken
	if err := decodeInto(op, str(vals, 0), &t); err != nil {
		return domain.RefreshToken{}, err
	}
	if expired(t.ExpiresAt, now) {
		return domain.RefreshToken{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	if rot := str(vals, 1); rot != "" {
		if t.RotatedAt, err = optionalTime(op, rot); err != nil {
			return domain.RefreshToken{}, err
		}
		t.Successor, t.SealedSuccessor = str(vals, 2), nonEmpty(str(vals, 3))
	}
	if gu := str(vals, 4); gu != "" {
		if t.GraceUsedAt, err = optionalTime(op, gu); err != nil {
			return domain.RefreshToken{}, err
		}
	}
	return t, nil
}

// nonEmpty turns stored bytes into a fresh slice, nil when there are none.
func nonEmpty(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}
