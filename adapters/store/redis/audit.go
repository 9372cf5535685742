package redis

import (
	"context"
	"encoding/json"
	"fmt"

	goredis "github.com/redis/go-redis/v9"

	"gatehouse/domain"
)

// The audit trail is one stream of JSON invocations, trimmed to about
// AuditMaxLen entries on every append. Redis trims whole macro nodes
// ("MAXLEN ~"), which is cheap but may keep a few more entries than the cap;
// reads never return more than the cap.

const (
	nsAudit    = "audit"
	auditField = "inv"
)

// RecordInvocation implements ports.AuditSink.
func (s *Store) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	d, err := json.Marshal(inv)
	if err != nil {
		return fmt.Errorf("redis: record invocation: %w", err)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	err = s.client.XAdd(ctx, &goredis.XAddArgs{
		Stream: s.key(nsAudit, ""),
		MaxLen: s.auditMaxLen,
		Approx: true,
		Values: []any{auditField, d},
	}).Err()
	if err != nil {
		return s.fail("record invocation", err)
	}
	return nil
}

// RecentInvocations implements ports.AuditReader. Numbers among the
// arguments come back as float64, as JSON has them.
func (s *Store) RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error) {
	const op = "recent invocations"
	n := s.auditMaxLen
	if limit > 0 && int64(limit) < n {
		n = int64(limit)
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	msgs, err := s.client.XRevRangeN(ctx, s.key(nsAudit, ""), "+", "-", n).Result()
	if err != nil {
		return nil, s.fail(op, err)
	}
	out := make([]domain.ToolInvocation, 0, len(msgs))
	for _, m := range msgs {
		d, ok := m.Values[auditField].(string)
		if !ok {
			return nil, fmt.Errorf("redis: %s: entry %s has no invocation", op, m.ID)
		}
		var inv domain.ToolInvocation
		if err := decodeInto(op, d, &inv); err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, nil
}
