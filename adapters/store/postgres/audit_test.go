package postgres

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/audit/audittest"
	"gatehouse/domain"
)

// TestAuditConformance runs the audit trail suite against the audit_log
// table.
func TestAuditConformance(t *testing.T) {
	schemas := newSchemaPool(t, 2)
	audittest.Run(t, func(t *testing.T) audittest.Log {
		return openStore(t, schemas.take(t), Options{})
	})
}

// TestAuditArgumentsAsJSON: arguments come back as JSON decodes them
// (numbers as float64, nested objects as maps), and an invocation recorded
// without arguments reads back without any.
func TestAuditArgumentsAsJSON(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	at := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	mustNil(t, s.RecordInvocation(ctx, domain.ToolInvocation{At: at, Tool: "bare"}))
	mustNil(t, s.RecordInvocation(ctx, domain.ToolInvocation{At: at.Add(time.Second), Tool: "args",
		Arguments: map[string]any{"n": 3, "nested": map[string]any{"list": []any{"a", 1.5}}}}))

	got, err := s.RecentInvocations(ctx, 0)
	mustNil(t, err)
	if len(got) != 2 {
		t.Fatalf("RecentInvocations: %d entries, want 2", len(got))
	}
	want := map[string]any{"n": 3.0, "nested": map[string]any{"list": []any{"a", 1.5}}}
	if d := cmp.Diff(want, got[0].Arguments); d != "" {
		t.Errorf("arguments read back (-want +got):\n%s", d)
	}
	if got[1].Arguments != nil {
		t.Errorf("invocation without arguments read back with %v", got[1].Arguments)
	}
}

// TestAuditReadIsCapped: "everything kept" returns at most maxAuditRead
// entries, the newest.
func TestAuditReadIsCapped(t *testing.T) {
	ctx := t.Context()
	s, _ := newMigratedStore(t, Options{})
	start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO audit_log (at, tool) SELECT ?::timestamptz + i * interval '1 second', 'tool-' || i
		FROM generate_series(1, ?) AS i`, start, maxAuditRead+5)
	mustNil(t, err)

	got, err := s.RecentInvocations(ctx, 0)
	mustNil(t, err)
	if len(got) != maxAuditRead {
		t.Fatalf("RecentInvocations(0): %d entries, want the cap %d", len(got), maxAuditRead)
	}
	if got[0].Tool != "tool-10005" || got[len(got)-1].Tool != "tool-6" {
		t.Errorf("RecentInvocations(0) spans %s … %s, want the newest: tool-10005 … tool-6", got[0].Tool, got[len(got)-1].Tool)
	}
}
