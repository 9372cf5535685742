package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"gatehouse/app"
)

// A record logged while serving a request names it; others do not, and
// loggers derived with attributes or groups keep doing so.
func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(app.LogHandler(slog.NewTextHandler(&buf, nil)))
	ctx := app.WithRequestID(context.Background(), "req-42")
	log.InfoContext(ctx, "served")
	log.With("k", "v").WithGroup("g").InfoContext(ctx, "derived")
	log.Info("background")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "request_id=req-42") || !strings.Contains(lines[1], "req-42") ||
		strings.Contains(lines[2], "request_id") {
		t.Errorf("log lines:\n%s", buf.String())
	}
}
