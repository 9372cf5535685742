// Package audit keeps the audit trail of tool invocations: a bounded ring of
// the most recent ones for the admin API, and one structured log line per
// invocation for whatever collects the process's logs.
package audit

import (
	"context"
	"log/slog"
	"maps"
	"sync"

	"gatehouse/domain"
	"gatehouse/ports"
)

var (
	_ ports.AuditSink   = (*Ring)(nil)
	_ ports.AuditReader = (*Ring)(nil)
)

// Ring holds the last size invocations in memory and logs every one. It is
// safe for concurrent use. Entries live in one process: replicas each keep
// their own, and a restart forgets them; the log lines are the durable record.
type Ring struct {
	log *slog.Logger

	mu   sync.Mutex
	buf  []domain.ToolInvocation // fixed length size
	next int                     // index the next record goes to
	n    int                     // entries held, at most len(buf)
}

// NewRing returns a ring keeping the last size invocations. With size <= 0
// it keeps none and only logs. A nil log discards the log lines.
func NewRing(size int, log *slog.Logger) *Ring {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Ring{log: log, buf: make([]domain.ToolInvocation, max(size, 0))}
}

// RecordInvocation logs inv and keeps it, overwriting the oldest entry when
// the ring is full. It never fails.
func (r *Ring) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	// The caller may reuse its argument map; the ring keeps its own.
	inv.Arguments = maps.Clone(inv.Arguments)
	logInvocation(ctx, r.log, inv)
	if len(r.buf) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next] = inv
	r.next = (r.next + 1) % len(r.buf)
	r.n = min(r.n+1, len(r.buf))
	return nil
}

// RecentInvocations returns up to limit invocations, newest first. A limit
// above the ring's size, or <= 0, returns everything held. The argument maps
// returned are copies.
func (r *Ring) RecentInvocations(_ context.Context, limit int) ([]domain.ToolInvocation, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if limit <= 0 || limit > r.n {
		limit = r.n
	}
	out := make([]domain.ToolInvocation, limit)
	for i := range out {
		inv := r.buf[(r.next-1-i+len(r.buf))%len(r.buf)]
		inv.Arguments = maps.Clone(inv.Arguments)
		out[i] = inv
	}
	return out, nil
}
