package redis

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestStampOrdersLikeInstants: stamps compare as strings exactly as their
// instants compare, to the nanosecond, across zones, before the Unix epoch
// and at the zero time, and parse back to the same instant.
func TestStampOrdersLikeInstants(t *testing.T) {
	zone := time.FixedZone("UTC+2", 2*60*60)
	base := time.Date(2031, 3, 4, 5, 6, 7, 8_000_000, zone)
	times := []time.Time{
		{},
		time.Unix(-1, 999_999_999),
		time.Unix(0, 0),
		time.Unix(0, 1),
		base.Add(-time.Nanosecond),
		base,
		base.UTC().Add(time.Nanosecond),
		base.Add(time.Hour),
		time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		times = append(times, base.Add(time.Duration(r.Int64N(int64(200*365*24*time.Hour)))-100*365*24*time.Hour))
	}
	stamps := make([]string, len(times))
	for i, a := range times {
		stamps[i] = stamp(a)
	}
	for i, a := range times {
		sa := stamps[i]
		if len(sa) != stampLen {
			t.Fatalf("stamp(%v) = %q: %d characters, want %d", a, sa, len(sa), stampLen)
		}
		back, err := parseStamp(sa)
		if err != nil || !back.Equal(a) {
			t.Errorf("parseStamp(stamp(%v)) = %v, %v", a, back, err)
		}
		for j, b := range times {
			if got, want := compare(sa, stamps[j]), a.Compare(b); got != want {
				t.Errorf("stamps of %v and %v compare %d, instants %d", a, b, got, want)
			}
		}
	}
	if back, _ := parseStamp(stamp(time.Time{})); !back.IsZero() {
		t.Errorf("zero time comes back as %v, want the zero time", back)
	}
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestKeepFor: a TTL reaches keepSlack past ExpiresAt by the wall clock, is
// never below minKeep (also for records already expired or with a zero
// ExpiresAt), and is none for an ExpiresAt too far ahead to express.
func TestKeepFor(t *testing.T) {
	wall := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		exp  time.Time
		want time.Duration
	}{
		{"a day ahead", wall.Add(24 * time.Hour), 24*time.Hour + keepSlack},
		{"a minute ahead", wall.Add(time.Minute), max(time.Minute+keepSlack, minKeep)},
		{"already past", wall.Add(-48 * time.Hour), minKeep},
		{"zero", time.Time{}, minKeep},
		{"beyond what a Duration holds", time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0},
	}
	for _, tt := range tests {
		if got := keepFor(tt.exp, wall); got != tt.want {
			t.Errorf("%s: keepFor = %v, want %v", tt.name, got, tt.want)
		}
	}
}
