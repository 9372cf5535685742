package redis

import (
	"context"
	"fmt"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// A code is a hash: "d" its JSON, "exp" its ExpiresAt stamp, "used" the
// stamp of its redemption once redeemed.

const nsCode = "code:"

// consumeCodeScript redeems a code once. KEYS: code. ARGV: now.
// Returns {"notfound"}, {"used", d, used stamp} or {"ok", d}.
var consumeCodeScript = script(`
local c = redis.call('HMGET', KEYS[1], 'exp', 'used', 'd')
if not c[1] or c[1] <= ARGV[1] then return {'notfound'} end
if c[2] then return {'used', c[3], c[2]} end
redis.call('HSET', KEYS[1], 'used', ARGV[1])
return {'ok', c[3]}
`)

// SaveAuthCode implements ports.GrantStore.
func (s *Store) SaveAuthCode(ctx context.Context, c domain.AuthCode) error {
	d, err := marshal(c)
	if err != nil {
		return fmt.Errorf("redis: save auth code: %w", err)
	}
	args := []any{s.ttl(c.ExpiresAt), "d", d, "exp", stamp(c.ExpiresAt)}
	if !c.UsedAt.IsZero() {
		args = append(args, "used", stamp(c.UsedAt))
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := createRecordScript.Run(ctx, s.client, []string{s.key(nsCode, c.Hash)}, args...).Int()
	if err != nil {
		return s.fail("save auth code", err)
	}
	if n == 0 {
		return fmt.Errorf("redis: save auth code: %w", ports.ErrAlreadyExists)
	}
	return nil
}

// ConsumeAuthCode implements ports.GrantStore. One script checks expiry and
// use and marks the code, so exactly one caller redeems it.
func (s *Store) ConsumeAuthCode(ctx context.Context, hash string, now time.Time) (domain.AuthCode, error) {
	const op = "consume auth code"
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.runScript(ctx, consumeCodeScript, []string{s.key(nsCode, hash)}, stamp(now))
	if err != nil {
		return domain.AuthCode{}, s.fail(op, err)
	}
	var c domain.AuthCode
	switch str(res, 0) {
	case "ok":
		if err := decodeInto(op, str(res, 1), &c); err != nil {
			return domain.AuthCode{}, err
		}
		c.UsedAt = now
		return c, nil
	case "used":
		if err := decodeInto(op, str(res, 1), &c); err != nil {
			return domain.AuthCode{}, err
		}
		if c.UsedAt, err = optionalTime(op, str(res, 2)); err != nil {
			return domain.AuthCode{}, err
		}
		return c, fmt.Errorf("redis: %s: used at %v: %w", op, c.UsedAt, ports.ErrConflict)
	case "notfound":
		return domain.AuthCode{}, fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	default:
		return domain.AuthCode{}, unexpected(op, res)
	}
}
