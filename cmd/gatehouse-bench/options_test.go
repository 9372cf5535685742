package main

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"token/cc/redis", "token/cc/redis", true},
		{"token/cc/redis", "token/cc/redis2", false},
		{"token/*", "token/refresh/postgres", true},
		{"*/redis", "token/cc/redis", true},
		{"*/redis", "token/cc/postgres", false},
		{"mcp/*/es256", "mcp/2025-11-25/es256", true},
		{"mcp/*/es256", "mcp/2025-11-25/rs256", false},
		{"*", "flow/code", true},
		{"a*a", "a", false},
		{"*es256*", "mcp/2026-07-28/es256", true},
	}
	for _, tt := range tests {
		if got := globMatch(tt.pattern, tt.name); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

func TestSelector(t *testing.T) {
	if !newSelector("").match("anything") {
		t.Error("an empty selector must select everything")
	}
	s := newSelector(" flow/code , reject/* ")
	for name, want := range map[string]bool{"flow/code": true, "reject/403-denied": true, "token/cc/memory": false} {
		if got := s.match(name); got != want {
			t.Errorf("match(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestGroupSelection(t *testing.T) {
	var names []string
	for _, d := range groupDefs() {
		if d.selected(newSelector("token/*"), []string{"memory", "postgres"}) {
			names = append(names, d.name)
		}
	}
	want := []string{
		"POST /auth/token client_credentials, memory", "POST /auth/token client_credentials, postgres",
		"POST /auth/token refresh_token, memory", "POST /auth/token refresh_token, postgres",
	}
	if !slices.Equal(names, want) {
		t.Errorf("selected %q, want %q", names, want)
	}
}

func TestScenarioNamesAreUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range scenarioNames() {
		if seen[n] {
			t.Errorf("scenario %q is listed twice", n)
		}
		seen[n] = true
	}
}

func TestParseOptionsDefaults(t *testing.T) {
	o, err := parseOptions(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.duration != 1500*time.Millisecond || o.repeats != 3 || o.concurrency != 16 || o.out != "bench-results.json" || o.serverGOGC != "400" {
		t.Errorf("defaults %+v", o)
	}
	if !slices.Equal(o.stores, storeNames) {
		t.Errorf("stores %q, want %q", o.stores, storeNames)
	}
}

func TestParseOptionsRefuses(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"long duration", []string{"-duration", "5m"}, "-duration"},
		{"no repeats", []string{"-repeats", "0"}, "-repeats"},
		{"no workers", []string{"-concurrency", "0"}, "-concurrency"},
		{"unknown store", []string{"-stores", "memory,mysql"}, "mysql"},
		{"nothing selected", []string{"-scenarios", "nope/*"}, "selects nothing"},
		{"bad GOGC", []string{"-server-gogc", "lots"}, "-server-gogc"},
		{"stray argument", []string{"extra"}, "unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseOptions(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseOptions(%q) = %v, want an error naming %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestParseCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu\n\nprocessor\t: 1\nmodel name\t: other\n"
	if got := parseCPUModel([]byte(info)); got != "AMD EPYC 7B13" {
		t.Errorf("parseCPUModel = %q, want the first model name", got)
	}
	if got := parseCPUModel([]byte("processor : 0\n")); got != "unknown" {
		t.Errorf("parseCPUModel without a model = %q, want unknown", got)
	}
}

func TestPoolTarget(t *testing.T) {
	if got := poolTarget(0, 2*time.Second, 4); got != 64 {
		t.Errorf("poolTarget before any run = %d, want the minimum 64", got)
	}
	if got := poolTarget(50, 2*time.Second, 4); got != 204 {
		t.Errorf("poolTarget(50/s, 2s, 4 workers) = %d, want 2×100+4", got)
	}
}
