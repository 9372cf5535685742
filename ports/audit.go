package ports

import (
	"context"

	"gatehouse/domain"
)

// AuditSink records tool invocations.
type AuditSink interface {
	RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error
}

// AuditReader returns recent invocations, newest first.
type AuditReader interface {
	RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error)
}
