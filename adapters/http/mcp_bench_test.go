package http

import (
	"strings"
	"testing"
)

// BenchmarkToolCallName is the edge's reading of a JSON-RPC body for the
// tool a tools/call names, which every MCP POST pays before the SDK reads
// the body itself.
func BenchmarkToolCallName(b *testing.B) {
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",` +
		`"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"1"}}`
	bodies := []struct {
		name, body, tool string
		call             bool
	}{
		{"modern call", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{` + meta + `,"name":"whoami","arguments":{}}}`, "whoami", true},
		{"legacy call", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`, "whoami", true},
		{"4 KiB arguments", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{"text":"` +
			strings.Repeat("lorem ipsum ", 340) + `"},"name":"note_write"}}`, "note_write", true},
		{"tools/list", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + meta + `}}`, "", false},
	}
	for _, c := range bodies {
		body := []byte(c.body)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				tool, call, err := toolCallName(body)
				if err != nil || tool != c.tool || call != c.call {
					b.Fatalf("toolCallName = %q, %v, %v", tool, call, err)
				}
			}
		})
	}
}
