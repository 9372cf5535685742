package builtin

import "testing"

func TestAudienceMatcher(t *testing.T) {
	tests := []struct {
		name     string
		accepted []string
		aud      []string
		want     bool
	}{
		{"exact", []string{"https://mcp.example.com/mcp"}, []string{"https://mcp.example.com/mcp"}, true},
		{"scheme and host case", []string{"https://mcp.example.com/mcp"}, []string{"HTTPS://Mcp.Example.com/mcp"}, true},
		{"configured in upper case", []string{"https://MCP.example.com/mcp"}, []string{"https://mcp.example.com/mcp"}, true},
		{"empty path is slash", []string{"https://mcp.example.com"}, []string{"https://mcp.example.com/"}, true},
		{"slash is empty path", []string{"https://mcp.example.com/"}, []string{"https://mcp.example.com"}, true},
		{"path case matters", []string{"https://mcp.example.com/mcp"}, []string{"https://mcp.example.com/MCP"}, false},
		{"trailing slash on a path matters", []string{"https://mcp.example.com/mcp"}, []string{"https://mcp.example.com/mcp/"}, false},
		{"port matters", []string{"https://mcp.example.com/mcp"}, []string{"https://mcp.example.com:8443/mcp"}, false},
		{"scheme matters", []string{"https://mcp.example.com/mcp"}, []string{"http://mcp.example.com/mcp"}, false},
		{"one of many", []string{"https://a.example.com", "https://b.example.com"}, []string{"https://c.example.com", "https://b.example.com"}, true},
		{"non-URL exact", []string{"api"}, []string{"api"}, true},
		{"non-URL case matters", []string{"api"}, []string{"API"}, false},
		{"nothing accepted", nil, []string{"https://mcp.example.com"}, false},
		{"empty accepted entry ignored", []string{""}, []string{""}, false},
		{"no audience", []string{"https://mcp.example.com"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := newAudienceMatcher(tt.accepted).matches(tt.aud); got != tt.want {
				t.Errorf("matcher(%q).matches(%q) = %v, want %v", tt.accepted, tt.aud, got, tt.want)
			}
		})
	}
}
