package ports

import (
	"context"

	"gatehouse/domain"
)

// AuditSink records tool invocations.
type AuditSink interface {
	RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error
}

// AuditReader returns recent invocations, newest first; a limit <= 0
// returns everything kept.
type AuditReader interface {
	RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error)
}
