package audit_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/audit"
	"gatehouse/domain"
)

func TestRingLogsInvocation(t *testing.T) {
	tests := []struct {
		name string
		inv  domain.ToolInvocation
		want map[string]any
	}{
		{
			name: "with arguments",
			inv: domain.ToolInvocation{
				At: at, Subject: "alice", ClientID: "cli", Tool: "echo", Transport: "http",
				Outcome: "ok", Duration: 1500 * time.Microsecond, Arguments: map[string]any{"text": "hi"},
			},
			want: map[string]any{
				"level": "INFO", "msg": "tool invocation",
				"subject": "alice", "client_id": "cli", "tool": "echo", "transport": "http",
				"outcome": "ok", "reason": "", "duration_ms": 1.5,
				"arguments": map[string]any{"text": "hi"},
			},
		},
		{
			name: "without arguments",
			inv: domain.ToolInvocation{
				At: at, Subject: "bob", ClientID: "svc", Tool: "admin_reset", Transport: "stdio",
				Outcome: "denied", Reason: "insufficient_scope: needs admin",
			},
			want: map[string]any{
				"level": "INFO", "msg": "tool invocation",
				"subject": "bob", "client_id": "svc", "tool": "admin_reset", "transport": "stdio",
				"outcome": "denied", "reason": "insufficient_scope: needs admin", "duration_ms": 0.0,
			},
		},
		{
			name: "empty arguments omitted",
			inv:  domain.ToolInvocation{Tool: "echo", Outcome: "ok", Arguments: map[string]any{}},
			want: map[string]any{
				"level": "INFO", "msg": "tool invocation",
				"subject": "", "client_id": "", "tool": "echo", "transport": "",
				"outcome": "ok", "reason": "", "duration_ms": 0.0,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{
				// Drop the handler's own timestamp so the line compares exactly.
				ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
					if len(groups) == 0 && a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			}))
			r := audit.NewRing(4, log)
			if err := r.RecordInvocation(t.Context(), tt.inv); err != nil {
				t.Fatal(err)
			}
			lines := bytes.Split(bytes.TrimSpace(buf.Bytes()), []byte("\n"))
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1:\n%s", len(lines), buf.String())
			}
			var got map[string]any
			if err := json.Unmarshal(lines[0], &got); err != nil {
				t.Fatalf("log line is not JSON: %v\n%s", err, lines[0])
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("log line mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRingLogsEvenWhenKeepingNone(t *testing.T) {
	var buf bytes.Buffer
	r := audit.NewRing(0, slog.New(slog.NewJSONHandler(&buf, nil)))
	if err := r.RecordInvocation(t.Context(), domain.ToolInvocation{Tool: "echo"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"msg":"tool invocation"`)) {
		t.Errorf("no log line written: %q", buf.String())
	}
}
