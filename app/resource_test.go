package app_test

import (
	"testing"

	"gatehouse/app"
)

func TestCanonicalResource(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"https://mcp.example/mcp", "https://mcp.example/mcp", true},
		{"HTTPS://MCP.Example/mcp", "https://mcp.example/mcp", true},
		{"https://mcp.example", "https://mcp.example/", true},
		{"https://mcp.example:8443/mcp", "https://mcp.example:8443/mcp", true},
		{"https://mcp.example/MCP", "https://mcp.example/MCP", true},
		{"https://mcp.example/mcp#frag", "", false},
		{"https://mcp.example/mcp#", "", false},
		{"/mcp", "", false},
		{"mcp.example", "", false},
		{"urn:example:mcp", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := app.CanonicalResource(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("CanonicalResource(%q) = (%q, %v), want (%q, %v)", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
