package main

import (
	"os"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		ok   bool
	}{
		{
			"plain name",
			"4242 (gatehouse) S 1 4242 4242 0 -1 4194560 1961 0 0 0 250 37 0 0 20 0 8 0 1234 0 0",
			287 * clockTick, true,
		},
		{
			"name with spaces and parentheses",
			"7 (a) b (c)) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0",
			7 * clockTick, true,
		},
		{"no name", "4242 gatehouse S 1", 0, false},
		{"too few fields", "4242 (gatehouse) S 1 4242 4242 0 -1 4194560 1961 0 0 0 250", 0, false},
		{"not a number", "4242 (gatehouse) S 1 4242 4242 0 -1 4194560 1961 0 0 0 x 37 0", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcStat([]byte(tt.line))
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseProcStat = (%v, %v), want (%v, ok=%v)", got, err, tt.want, tt.ok)
			}
		})
	}
}

// The parser reads a real stat file: this process' own.
func TestProcessCPUReadsThisProcess(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	if _, err := processCPU(os.Getpid()); err != nil {
		t.Errorf("processCPU(self): %v", err)
	}
	if _, err := processCPU(-1); err == nil {
		t.Error("processCPU(-1) succeeded, want an error")
	}
}
