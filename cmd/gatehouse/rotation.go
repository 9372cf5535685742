package main

import (
	"context"
	"time"
)

// rotateKeys adds a new signing key whenever the newest one is older than
// interval, until ctx ends. Replicas sharing a store may both rotate at
// about the same moment; that only publishes one extra key.
func (s *system) rotateKeys(ctx context.Context, interval time.Duration) {
	keepFor := s.cfg.Auth.Builtin.AccessTokenTTL + s.cfg.Auth.Builtin.Leeway + time.Minute
	check := min(interval/10, time.Hour)
	t := time.NewTicker(max(check, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		keys, err := s.keyDB.ListKeys(ctx)
		if err != nil {
			s.log.WarnContext(ctx, "key rotation: list keys", "error", err)
			continue
		}
		if len(keys) > 0 && time.Since(keys[0].CreatedAt) < interval {
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
