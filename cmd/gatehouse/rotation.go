package main

import (
	"context"
	"time"
)

// maintainKeys keeps this process' view of the signing keys current: it
// reloads them from the store regularly (another replica, or `gatehouse keys
// rotate`, may have added or retired one) and, when rotateEvery is positive,
// adds a new key once the newest is older than that. Replicas sharing a store
// may both rotate at about the same moment; that only publishes one extra key.
func (s *system) maintainKeys(ctx context.Context, rotateEvery time.Duration) {
	keepFor := s.cfg.Auth.Builtin.AccessTokenTTL + s.cfg.Auth.Builtin.Leeway + time.Minute
	every := s.cfg.Auth.Builtin.KeyReloadInterval
	if rotateEvery > 0 {
		every = min(every, rotateEvery/10)
	}
	t := time.NewTicker(max(every, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.keys.Reload(ctx); err != nil {
			s.log.WarnContext(ctx, "reload signing keys", "error", err)
			continue
		}
		if rotateEvery <= 0 {
			continue
		}
		keys, err := s.keyDB.ListKeys(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "key rotation: list keys", "error", err)
			continue
		}
		if len(keys) > 0 && time.Since(keys[0].CreatedAt) < rotateEvery {
			continue
		}
		k, err := s.keys.Rotate(ctx, keepFor)
		if err != nil {
			s.log.WarnContext(ctx, "key rotation failed", "error", err)
			continue
		}
		s.log.InfoContext(ctx, "signing key rotated", "kid", k.ID, "alg", k.Algorithm)
	}
}
