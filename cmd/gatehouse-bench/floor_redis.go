package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// redisFloor makes the Redis round trips of the token endpoint with
// go-redis, configured as Gatehouse's adapter configures it, under a key
// prefix of its own.
type redisFloor struct {
	c      *goredis.Client
	prefix string
}

// rotateFloorScript is the rotation's one atomic step: refuse a rotated
// token, otherwise mark it rotated and store its successor.
// KEYS: old token, next token. ARGV: now, next hash, grant id, data.
var rotateFloorScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], 'rot') == 1 then return 'reused' end
redis.call('HSET', KEYS[1], 'rot', ARGV[1], 'succ', ARGV[2])
redis.call('HSET', KEYS[2], 'gid', ARGV[3], 'd', ARGV[4])
return 'ok'
`)

func newRedisFloor(ctx context.Context, rawURL, prefix string) (*redisFloor, error) {
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, errors.New("redis floor: the URL does not parse")
	}
	o.ContextTimeoutEnabled = true
	f := &redisFloor{c: goredis.NewClient(o), prefix: prefix}
	if err := f.c.HSet(ctx, f.prefix+"clients", floorClientID, floorClient, "demo-service", floorClient).Err(); err != nil {
		_ = f.c.Close()
		return nil, fmt.Errorf("redis floor: seed clients: %w", err)
	}
	if err := rotateFloorScript.Load(ctx, f.c).Err(); err != nil {
		_ = f.c.Close()
		return nil, fmt.Errorf("redis floor: load script: %w", err)
	}
	return f, nil
}

func (f *redisFloor) Client(ctx context.Context, id string) error {
	if err := f.c.HGet(ctx, f.prefix+"clients", id).Err(); err != nil {
		return fmt.Errorf("redis floor: get client: %w", err)
	}
	return nil
}

func (f *redisFloor) Seed(ctx context.Context) (string, error) {
	gid, raw := newSecret()[:16], newSecret()
	_, err := f.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		p.HSet(ctx, f.prefix+"g:"+gid, "d", fmt.Sprintf(floorGrant, gid), "exp", floorExpiry.Unix())
		p.HSet(ctx, f.prefix+"rt:"+hashSecret(raw), "d", fmt.Sprintf(floorRefresh, gid), "gid", gid)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("redis floor: seed: %w", err)
	}
	return raw, nil
}

func (f *redisFloor) Rotate(ctx context.Context, raw string) (string, error) {
	if err := f.Client(ctx, floorClientID); err != nil {
		return "", err
	}
	old := f.prefix + "rt:" + hashSecret(raw)
	vals, err := f.c.HMGet(ctx, old, "d", "gid", "rot").Result()
	if err != nil {
		return "", fmt.Errorf("redis floor: get refresh token: %w", err)
	}
	data, _ := vals[0].(string)
	gid, _ := vals[1].(string)
	if data == "" || gid == "" {
		return "", errors.New("redis floor: refresh token not found")
	}
	g, err := f.c.HMGet(ctx, f.prefix+"g:"+gid, "d", "exp").Result()
	if err != nil {
		return "", fmt.Errorf("redis floor: get grant: %w", err)
	}
	if s, _ := g[0].(string); s == "" {
		return "", errors.New("redis floor: grant not found")
	}
	next := newSecret()
	res, err := rotateFloorScript.Run(ctx, f.c, []string{old, f.prefix + "rt:" + hashSecret(next)},
		time.Now().Unix(), hashSecret(next), gid, data).Text()
	if err != nil {
		return "", fmt.Errorf("redis floor: rotate: %w", err)
	}
	if res == "reused" {
		return "", errReused
	}
	return next, nil
}

// Close deletes the floor's keys and closes the client.
func (f *redisFloor) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := deletePrefix(ctx, f.c, f.prefix)
	return errors.Join(err, f.c.Close())
}

// deletePrefix removes every key under prefix.
func deletePrefix(ctx context.Context, c *goredis.Client, prefix string) error {
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 500 {
			if err := c.Unlink(ctx, batch...).Err(); err != nil {
				return fmt.Errorf("redis: delete keys: %w", err)
			}
			batch = batch[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("redis: scan keys: %w", err)
	}
	if len(batch) > 0 {
		if err := c.Unlink(ctx, batch...).Err(); err != nil {
			return fmt.Errorf("redis: delete keys: %w", err)
		}
	}
	return nil
}
