package audit

import (
	"context"
	"log/slog"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Trail is an audit trail that can be read back.
type Trail interface {
	ports.AuditSink
	ports.AuditReader
}

// Logged writes every invocation to the log and to a lasting trail (a
// Redis stream, a Postgres table) that replicas share.
type Logged struct {
	trail Trail
	log   *slog.Logger
}

var _ Trail = (*Logged)(nil)

// NewLogged returns a trail that logs before it stores. A nil log discards
// the log lines.
func NewLogged(trail Trail, log *slog.Logger) *Logged {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Logged{trail: trail, log: log}
}

// RecordInvocation logs inv, then stores it; the log line is written even
// when the store fails, so no invocation goes unrecorded.
func (l *Logged) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	logInvocation(ctx, l.log, inv)
	return l.trail.RecordInvocation(ctx, inv)
}

// RecentInvocations reads the lasting trail.
func (l *Logged) RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error) {
	return l.trail.RecentInvocations(ctx, limit)
}
