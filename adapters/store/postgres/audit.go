package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"gatehouse/domain"
)

// maxAuditRead caps what one RecentInvocations returns, so that "everything
// kept" cannot load months of history into one response.
const maxAuditRead = 10000

type auditRow struct {
	bun.BaseModel `bun:"table:audit_log,alias:al"`

	ID         int64     `bun:"id,pk,autoincrement"`
	At         time.Time `bun:"at,nullzero"`
	Subject    string    `bun:"subject"`
	ClientID   string    `bun:"client_id"`
	Tool       string    `bun:"tool"`
	Transport  string    `bun:"transport"`
	Outcome    string    `bun:"outcome"`
	Reason     string    `bun:"reason"`
	DurationNS int64     `bun:"duration_ns"`
	Arguments  string    `bun:"arguments,type:jsonb,nullzero"`
}

// RecordInvocation implements ports.AuditSink. Arguments are stored as
// jsonb; they read back as JSON decodes them (numbers as float64).
func (s *Store) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	var args any // NULL unless the invocation carries arguments
	if inv.Arguments != nil {
		b, err := json.Marshal(inv.Arguments)
		if err != nil {
			return fmt.Errorf("postgres: record invocation of %q: arguments: %w", inv.Tool, err)
		}
		args = string(b)
	}
	_, err := s.db.NewRaw(`INSERT INTO audit_log
		(at, subject, client_id, tool, transport, outcome, reason, duration_ns, arguments)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
		ts(inv.At), inv.Subject, inv.ClientID, inv.Tool, inv.Transport, inv.Outcome, inv.Reason,
		int64(inv.Duration), args,
	).Exec(ctx)
	if err != nil {
		return classify(ctx, fmt.Sprintf("record invocation of %q", inv.Tool), err)
	}
	return nil
}

// RecentInvocations implements ports.AuditReader: newest first by At, and
// by insertion among equal instants. A limit <= 0 returns everything kept,
// up to maxAuditRead entries.
func (s *Store) RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error) {
	if limit <= 0 || limit > maxAuditRead {
		limit = maxAuditRead
	}
	ctx, cancel := s.op(ctx)
	defer cancel()
	var rows []auditRow
	err := s.db.NewSelect().Model(&rows).
		OrderExpr("at DESC NULLS LAST, id DESC").
		Limit(int64(limit)).
		Scan(ctx)
	if err != nil {
		return nil, classify(ctx, "recent invocations", err)
	}
	out := make([]domain.ToolInvocation, 0, len(rows))
	for _, r := range rows {
		inv := domain.ToolInvocation{
			At:        r.At,
			Subject:   r.Subject,
			ClientID:  r.ClientID,
			Tool:      r.Tool,
			Transport: r.Transport,
			Outcome:   r.Outcome,
			Reason:    r.Reason,
			Duration:  time.Duration(r.DurationNS),
		}
		if len(r.Arguments) > 0 {
			if err := json.Unmarshal([]byte(r.Arguments), &inv.Arguments); err != nil {
				return nil, fmt.Errorf("postgres: recent invocations: arguments of entry %d: %w", r.ID, err)
			}
		}
		out = append(out, inv)
	}
	return out, nil
}
