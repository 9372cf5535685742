package telemetry

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCodeClass(t *testing.T) {
	for status, want := range map[int]string{100: "1xx", 200: "2xx", 302: "3xx", 404: "4xx", 503: "5xx", 0: Other, 99: Other, 600: Other, -1: Other} {
		if got := codeClass(status); got != want {
			t.Errorf("codeClass(%d) = %q, want %q", status, got, want)
		}
	}
}

// TestTruncateKeepsUTF8: a cut never splits a rune, and invalid bytes are
// replaced, since Prometheus refuses label values that are not UTF-8.
func TestTruncateKeepsUTF8(t *testing.T) {
	for _, in := range []string{strings.Repeat("é", 40), "tool\xff\xfe", strings.Repeat("a", 63) + "€"} {
		got := truncate(in, maxLabelBytes)
		if len(got) > maxLabelBytes || !utf8.ValidString(got) {
			t.Errorf("truncate(%q) = %q: %d bytes, valid %v", in, got, len(got), utf8.ValidString(got))
		}
	}
	if got := truncate("echo", maxLabelBytes); got != "echo" {
		t.Errorf("truncate(echo) = %q, want it unchanged", got)
	}
}

// TestFirstSeenKeepsEarlyValues: names admitted before the cap stay
// themselves after it is reached; only newcomers become Other.
func TestFirstSeenKeepsEarlyValues(t *testing.T) {
	f := newFirstSeen(3, 8, "none")
	for _, c := range []struct{ in, want string }{
		{"a", "a"}, {"b", "b"}, {"long-name-1", "long-nam"}, {"c", Other}, {"a", "a"}, {"", "none"},
		{"long-name-2", "long-nam"}, // cut to an admitted value
	} {
		if got := f.label(c.in); got != c.want {
			t.Errorf("label(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
