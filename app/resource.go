package app

import (
	"net/url"
	"strings"

	"gatehouse/domain"
)

// CanonicalResource normalises a resource URI for comparison: lowercase
// scheme and host, empty path as "/", no fragment (RFC 8707 §2, MCP canonical
// server URI). ok is false for URIs that are not absolute or carry a fragment.
func CanonicalResource(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" || strings.Contains(raw, "#") {
		return "", false
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), true
}

// resolveResource returns the resource a token will be bound to: the
// requested one when this server guards it, else invalid_target; the default
// resource when none was requested.
func (s *AuthServer) resolveResource(requested string) (string, error) {
	if requested == "" {
		return s.cfg.Resources[0], nil
	}
	want, ok := CanonicalResource(requested)
	if !ok {
		return "", domain.ErrInvalidTarget("resource must be an absolute URI without a fragment")
	}
	for _, r := range s.cfg.Resources {
		if c, _ := CanonicalResource(r); c == want {
			return r, nil
		}
	}
	return "", domain.ErrInvalidTarget("resource is not served by this authorization server")
}
