package app

import (
	"fmt"
	"testing"
	"time"
)

// The lockouts stay bounded: past the bound, expired lockouts go first,
// then the one that ends soonest, and a new lockout is always kept.
func TestLoginLockoutsBounded(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	l := newLoginLockouts()
	for i := range maxLockouts {
		l.lock(fmt.Sprintf("k%d", i), now.Add(time.Duration(i+10)*time.Second), now)
	}
	l.lock("expires-first", now.Add(time.Second), now) // over the bound: k0 (ends soonest) goes
	if got := len(l.until); got != maxLockouts {
		t.Fatalf("%d lockouts, want the bound %d", got, maxLockouts)
	}
	if !l.lockedUntil([]string{"k0"}, now).IsZero() {
		t.Error("k0, the lockout ending soonest, was kept past the bound")
	}
	if l.lockedUntil([]string{"expires-first"}, now).IsZero() || l.lockedUntil([]string{"k1"}, now).IsZero() {
		t.Error("the new lockout or a later one was dropped")
	}

	later := now.Add(2 * time.Second) // expires-first has ended
	l.lock("new", later.Add(time.Hour), later)
	if !l.lockedUntil([]string{"k1"}, later).Equal(now.Add(11 * time.Second)) {
		t.Error("a live lockout was dropped while an expired one could go")
	}
	if _, ok := l.until["expires-first"]; ok {
		t.Error("the expired lockout was kept past the bound")
	}
}

// lockedUntil answers the latest lockout among the keys, and none once it
// has ended.
func TestLoginLockoutsUntil(t *testing.T) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	l := newLoginLockouts()
	l.lock("user", now.Add(time.Minute), now)
	l.lock("ip", now.Add(5*time.Minute), now)
	if got := l.lockedUntil([]string{"user", "ip"}, now); !got.Equal(now.Add(5 * time.Minute)) {
		t.Errorf("lockedUntil = %v, want the later end %v", got, now.Add(5*time.Minute))
	}
	if got := l.lockedUntil([]string{"user"}, now.Add(time.Minute)); !got.IsZero() {
		t.Errorf("lockedUntil at the lockout's end = %v, want none", got)
	}
	if got := l.lockedUntil(nil, now); !got.IsZero() {
		t.Errorf("lockedUntil(no keys) = %v, want none", got)
	}
}
