package main

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"gatehouse/config"
	"gatehouse/domain"
)

// One tools/call, traced end to end: its HTTP span holds the spans of the
// authentication, the policy decision, the tool's run and the store calls
// they make, all in one trace, read back from an in-memory exporter.
func TestToolCallTrace(t *testing.T) {
	mr := miniredis.RunT(t)
	cfg := config.Defaults()
	cfg.Dev = true
	cfg.Auth.Builtin.KeyFile = filepath.Join(t.TempDir(), "signing-keys.json")
	cfg.Store.Driver, cfg.Store.Redis.URL = "redis", config.Secret("redis://"+mr.Addr()+"/0")
	cfg.Store.KeyEncryptionKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	spans := tracetest.NewInMemoryExporter()
	sys, err := buildWith(t.Context(), cfg, slog.New(slog.DiscardHandler), spans)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	t.Cleanup(sys.close)
	tools, err := sys.buildTools()
	if err != nil {
		t.Fatalf("buildTools: %v", err)
	}
	edge := newEdge(sys, tools)

	now := time.Now()
	tok, err := sys.issuer.IssueAccessToken(t.Context(), domain.AccessTokenClaims{
		Issuer: cfg.Issuer(), Subject: "alice", Audience: []string{cfg.MCPURL()}, ClientID: "trace-test",
		Scopes: domain.NewScopes("read"), TokenID: "trace-1", IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	spans.Reset()
	req := modernCall(t, tok, "tools/call", map[string]any{"name": "whoami", "arguments": map[string]any{}}).build()
	rec := httptest.NewRecorder()
	edge.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("tools/call: %d %s", rec.Code, rec.Body)
	}

	got := spans.GetSpans()
	var root string
	names := map[string]bool{}
	for _, s := range got {
		names[s.Name] = true
		if s.Name == "HTTP POST /mcp" {
			root = s.SpanContext.TraceID().String()
		}
	}
	if root == "" {
		t.Fatalf("no HTTP span; spans: %v", spanNames(got))
	}
	for _, s := range got {
		if s.SpanContext.TraceID().String() != root {
			t.Errorf("span %q is in another trace", s.Name)
		}
	}
	for _, want := range []string{"authenticate", "policy whoami", "tool whoami"} {
		if !names[want] {
			t.Errorf("no %q span; spans: %v", want, spanNames(got))
		}
	}
	store := false
	for _, s := range got {
		for _, a := range s.Attributes {
			store = store || (string(a.Key) == "db.system" && strings.Contains(a.Value.AsString(), "redis"))
		}
	}
	if !store {
		t.Errorf("no Redis span; spans: %v", spanNames(got))
	}
}

func spanNames(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	slices.Sort(out)
	return out
}
