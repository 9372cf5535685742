package memory

import (
	"fmt"
	"testing"
	"time"
)

func TestSweepForgetsPastWindows(t *testing.T) {
	l := New()
	base := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	for i := range minSweep - 1 {
		if _, err := l.Allow(t.Context(), fmt.Sprintf("old:%d", i), 5, time.Hour, base); err != nil {
			t.Fatal(err)
		}
	}
	// A longer window opened at the same time is still open after the hour.
	if _, err := l.Allow(t.Context(), "long", 5, 3*time.Hour, base); err != nil {
		t.Fatal(err)
	}
	if got := len(l.counts); got != minSweep {
		t.Fatalf("before sweep: %d counters, want %d", got, minSweep)
	}

	d, err := l.Allow(t.Context(), "long", 5, 3*time.Hour, base.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(l.counts); got != 1 {
		t.Errorf("after sweep: %d counters, want 1 (the open 3h window)", got)
	}
	if d.Remaining != 3 {
		t.Errorf("open window lost its count: Remaining = %d, want 3", d.Remaining)
	}
	if l.sweepAt != minSweep {
		t.Errorf("sweepAt = %d, want %d", l.sweepAt, minSweep)
	}
}

func TestWindowStart(t *testing.T) {
	tests := []struct {
		name   string
		now    time.Time
		window time.Duration
		want   time.Time
	}{
		{"epoch", time.Unix(0, 0), 7 * time.Second, time.Unix(0, 0)},
		{"after epoch", time.Unix(20, 5), 7 * time.Second, time.Unix(14, 0)},
		{"before epoch rounds down", time.Unix(-1, 0), 7 * time.Second, time.Unix(-7, 0)},
		{"before epoch on boundary", time.Unix(-14, 0), 7 * time.Second, time.Unix(-14, 0)},
		{"zone ignored", time.Date(2026, 5, 4, 15, 59, 0, 0, time.FixedZone("", 5*3600+30*60)), time.Hour,
			time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := time.Unix(0, windowStart(tt.now, tt.window))
			if !got.Equal(tt.want) {
				t.Errorf("windowStart(%v, %v) = %v, want %v", tt.now, tt.window, got, tt.want)
			}
		})
	}
}
