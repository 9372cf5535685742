package mcp

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestSDKLoggerDropsChatter(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  bool
	}{
		{"debug dropped", slog.LevelDebug, false},
		{"info dropped", slog.LevelInfo, false},
		{"warn kept", slog.LevelWarn, true},
		{"error kept", slog.LevelError, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := sdkLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
			l.With("component", "sdk").WithGroup("g").Log(t.Context(), tt.level, "hello", "k", "v")
			got := buf.String()
			if (got != "") != tt.want {
				t.Fatalf("logged %q at %s, want logged = %v", got, tt.level, tt.want)
			}
			if tt.want && (!strings.Contains(got, "component=sdk") || !strings.Contains(got, "g.k=v")) {
				t.Errorf("logged %q, want the attrs and group kept", got)
			}
		})
	}
}
