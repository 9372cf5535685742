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

// A session is a hash: "d" its JSON as created, "exp" and "lu" the stamps of
// ExpiresAt and LastUsed (which TouchSession changes and which override
// "d"), "ix" its index and "m" its member there. Each (kind, subject) has an
// index, members "<exp stamp>|<id hash>", which counts live sessions for the
// limit and lists them.

const (
	nsSession    = "session:"
	nsSessionsOf = "sessions:"
)

// createSessionScript checks the hash, the limit and inserts, atomically.
// KEYS: session, index. ARGV: now, purge stamp, limit, member, ttl, fields.
// Returns {"ok"}, {"exists"} or {"conflict", live count}.
var createSessionScript = script(`
local now = ARGV[1]
local cur = redis.call('HMGET', KEYS[1], 'exp', 'ix', 'm')
if cur[1] and cur[1] > now then return {'exists'} end
index_purge(KEYS[2], ARGV[2])
local limit = tonumber(ARGV[3])
if limit > 0 then
  local n = redis.call('ZLEXCOUNT', KEYS[2], live_from(now), '+')
  if n >= limit then return {'conflict', n} end
end
if cur[2] then redis.call('ZREM', cur[2], cur[3]) end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 6))
expire(KEYS[1], ARGV[5])
index_add(KEYS[2], ARGV[4], ARGV[5])
return {'ok'}
`)

// touchSessionScript slides a session live at now. KEYS: session.
// ARGV: now, new exp stamp, new last-used stamp, new member, ttl.
// Returns 1, or 0 if absent or expired.
var touchSessionScript = script(`
local cur = redis.call('HMGET', KEYS[1], 'exp', 'ix', 'm')
if not cur[1] or cur[1] <= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'exp', ARGV[2], 'lu', ARGV[3], 'm', ARGV[4])
expire(KEYS[1], ARGV[5])
redis.call('ZREM', cur[2], cur[3])
index_add(cur[2], ARGV[4], ARGV[5])
return 1
`)

// deleteSessionScript removes a session and its index entry. KEYS: session.
// Returns 1, or 0 if absent.
var deleteSessionScript = script(`
local cur = redis.call('HMGET', KEYS[1], 'd', 'ix', 'm')
if not cur[1] then return 0 end
redis.call('DEL', KEYS[1])
if cur[2] then redis.call('ZREM', cur[2], cur[3]) end
return 1
`)

// CreateSession implements ports.SessionStore. An expired session behaves
// as absent, so its hash may be taken again.
func (s *Store) CreateSession(ctx context.Context, ss domain.Session, maxPerSubject int, now time.Time) error {
	const op = "create session"
	d, err := marshal(ss)
	if err != nil {
		return fmt.Errorf("redis: %s: %w", op, err)
	}
	ix, m := s.key2(nsSessionsOf, ss.Kind, ss.Subject), member(ss.ExpiresAt, ss.IDHash)
	args := []any{stamp(now), s.purgeStamp(now), max(maxPerSubject, 0), m, s.ttl(ss.ExpiresAt),
		"d", d, "exp", stamp(ss.ExpiresAt), "lu", stamp(ss.LastUsed), "ix", ix, "m", m}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.runScript(ctx, createSessionScript, []string{s.key(nsSession, ss.IDHash), ix}, args...)
	if err != nil {
		return s.fail(op, err)
	}
	switch str(res, 0) {
	case "ok":
		return nil
	case "exists":
		return fmt.Errorf("redis: %s: %w", op, ports.ErrAlreadyExists)
	case "conflict":
		return fmt.Errorf("redis: %s: %q has %s live %s sessions: %w", op, ss.Subject, str(res, 1), ss.Kind, ports.ErrConflict)
	default:
		return unexpected(op, res)
	}
}

// GetSession implements ports.SessionStore.
func (s *Store) GetSession(ctx context.Context, idHash string, now time.Time) (domain.Session, error) {
	const op = "get session"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.client.HMGet(ctx, s.key(nsSession, idHash), "d", "exp", "lu").Result()
	if err != nil {
		return domain.Session{}, s.fail(op, err)
	}
	if str(vals, 0) == "" {
		return domain.Session{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	ss, err := decodeSession(op, str(vals, 0), str(vals, 1), str(vals, 2))
	if err != nil {
		return domain.Session{}, err
	}
	if expired(ss.ExpiresAt, now) {
		return domain.Session{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return ss, nil
}

// TouchSession implements ports.SessionStore: it stores LastUsed and
// ExpiresAt and nothing else of ss.
func (s *Store) TouchSession(ctx context.Context, ss domain.Session, now time.Time) error {
	const op = "touch session"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := touchSessionScript.Run(ctx, s.client, []string{s.key(nsSession, ss.IDHash)},
		stamp(now), stamp(ss.ExpiresAt), stamp(ss.LastUsed), member(ss.ExpiresAt, ss.IDHash), s.ttl(ss.ExpiresAt)).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// DeleteSession implements ports.SessionStore.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	const op = "delete session"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := deleteSessionScript.Run(ctx, s.client, []string{s.key(nsSession, idHash)}).Int()
	if err != nil {
		return s.fail(op, err)
	}
	if n == 0 {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	return nil
}

// ListSessions implements ports.SessionStore.
func (s *Store) ListSessions(ctx context.Context, subject, kind string, now time.Time) ([]domain.Session, error) {
	op := fmt.Sprintf("list %s sessions of %q", kind, subject)
	ctx, cancel := s.bound(ctx)
	defer cancel()
	vals, err := s.runScript(ctx, listIndexedScript, []string{s.key2(nsSessionsOf, kind, subject)},
		stamp(now), s.purgeStamp(now), s.key(nsSession, ""), "d", "exp", "lu")
	if err != nil {
		return nil, s.fail(op, err)
	}
	var out []domain.Session
	for i := 0; i+2 < len(vals); i += 3 {
		ss, err := decodeSession(op, str(vals, i), str(vals, i+1), str(vals, i+2))
		if err != nil {
			return nil, err
		}
		if ss.Subject == subject && ss.Kind == kind && !expired(ss.ExpiresAt, now) {
			out = append(out, ss)
		}
	}
	slices.SortFunc(out, func(a, b domain.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.IDHash, b.IDHash))
	})
	return out, nil
}

func decodeSession(op, d, exp, lu string) (domain.Session, error) {
	var ss domain.Session
	if err := decodeInto(op, d, &ss); err != nil {
		return domain.Session{}, err
	}
	var err error
	if ss.ExpiresAt, err = optionalTime(op, exp); err != nil {
		return domain.Session{}, err
	}
	if ss.LastUsed, err = optionalTime(op, lu); err != nil {
		return domain.Session{}, err
	}
	return ss, nil
}
