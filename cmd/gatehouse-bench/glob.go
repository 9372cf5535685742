package main

import "strings"

// selector picks names from a comma-separated list of patterns in which
// '*' matches any run of characters, '/' included ("token/*" selects every
// token scenario). An empty list selects everything.
type selector []string

func newSelector(list string) selector {
	var s selector
	for _, p := range strings.Split(list, ",") {
		if p = strings.TrimSpace(p); p != "" {
			s = append(s, p)
		}
	}
	return s
}

func (s selector) match(name string) bool {
	if len(s) == 0 {
		return true
	}
	for _, p := range s {
		if globMatch(p, name) {
			return true
		}
	}
	return false
}

// globMatch reports whether name matches pattern, where '*' matches any
// sequence of characters and everything else matches itself.
func globMatch(pattern, name string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == name
	}
	if !strings.HasPrefix(name, parts[0]) {
		return false
	}
	name = name[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(name, mid)
		if i < 0 {
			return false
		}
		name = name[i+len(mid):]
	}
	return len(name) >= len(last) && strings.HasSuffix(name, last)
}
