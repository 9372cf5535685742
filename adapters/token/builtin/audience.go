package builtin

import (
	"net/url"
	"strings"
)

// canonicalResource normalises a resource URI for comparison only: scheme
// and host are case-insensitive and an empty path is "/" (RFC 3986 §6.2.2,
// RFC 8707). Anything that is not an absolute URL compares as given.
func canonicalResource(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String()
}

// audienceMatcher holds the canonical forms of the accepted audiences.
type audienceMatcher map[string]struct{}

func newAudienceMatcher(accepted []string) audienceMatcher {
	m := make(audienceMatcher, len(accepted))
	for _, a := range accepted {
		if a != "" {
			m[canonicalResource(a)] = struct{}{}
		}
	}
	return m
}

// matches reports whether any of the token's audiences is accepted.
func (m audienceMatcher) matches(aud []string) bool {
	for _, a := range aud {
		if _, ok := m[canonicalResource(a)]; ok {
			return true
		}
	}
	return false
}
