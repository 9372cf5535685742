package audit_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"gatehouse/adapters/audit"
	"gatehouse/adapters/audit/audittest"
	"gatehouse/domain"
)

// TestLoggedConformance: a logged trail keeps what its store keeps.
func TestLoggedConformance(t *testing.T) {
	audittest.Run(t, func(*testing.T) audittest.Log { return audit.NewLogged(audit.NewRing(100, nil), nil) })
}

type failingTrail struct{ audit.Trail }

func (failingTrail) RecordInvocation(context.Context, domain.ToolInvocation) error {
	return errors.New("store down")
}

// TestLoggedLogsWhenTheStoreFails: the log line is written and the store's
// error reaches the caller.
func TestLoggedLogsWhenTheStoreFails(t *testing.T) {
	var buf bytes.Buffer
	l := audit.NewLogged(failingTrail{}, slog.New(slog.NewTextHandler(&buf, nil)))
	err := l.RecordInvocation(t.Context(), domain.ToolInvocation{Tool: "whoami", Subject: "alice", Outcome: "ok"})
	if err == nil {
		t.Error("store failure not reported")
	}
	if !strings.Contains(buf.String(), "tool=whoami") || !strings.Contains(buf.String(), "subject=alice") {
		t.Errorf("log = %q, want the invocation", buf.String())
	}
}
