package audit

import (
	"context"
	"log/slog"
	"time"

	"gatehouse/domain"
)

// logInvocation writes inv as one Info line. Arguments appear only when the
// invocation carries them, which the caller decides by configuration; the
// ring never adds or redacts any.
func logInvocation(ctx context.Context, log *slog.Logger, inv domain.ToolInvocation) {
	if !log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{
		slog.String("subject", inv.Subject),
		slog.String("client_id", inv.ClientID),
		slog.String("tool", inv.Tool),
		slog.String("transport", inv.Transport),
		slog.String("outcome", inv.Outcome),
		slog.String("reason", inv.Reason),
		// Fractional milliseconds: most tool calls take well under one.
		slog.Float64("duration_ms", float64(inv.Duration)/float64(time.Millisecond)),
	}
	if len(inv.Arguments) > 0 {
		attrs = append(attrs, slog.Any("arguments", inv.Arguments))
	}
	log.LogAttrs(ctx, slog.LevelInfo, "tool invocation", attrs...)
}
