package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
)

// Validate reports every problem with the configuration at once, one line
// each, every line starting with the koanf key at fault. It never prints a
// secret's value. Trailing slashes on server.base_url and
// auth.builtin.issuer are accepted: Load strips them, and Issuer and MCPURL
// ignore them.
func (c Config) Validate() error {
	var p problems
	c.validateServer(&p)
	c.validateLog(&p)
	c.validateAuth(&p)
	c.validateRateLimit(&p)
	c.validateStore(&p)
	c.validateSessions(&p)
	c.validateTools(&p)
	c.validateUpstreams(&p)
	if c.Audit.RingSize < 0 {
		p.add("audit.ring_size", "must not be negative")
	}
	return errors.Join(p...)
}

// problems collects validation failures, each prefixed with its key.
type problems []error

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, errors.New(key+": "+fmt.Sprintf(format, args...)))
}

func (p *problems) positive(key string, d time.Duration) {
	if d <= 0 {
		p.add(key, "must be positive")
	}
}

func (p *problems) oneOf(key, value string, allowed ...string) {
	for _, a := range allowed {
		if value == a {
			return
		}
	}
	p.add(key, "must be one of %s, not %q", strings.Join(allowed, ", "), value)
}

// httpURL checks an absolute http(s) URL. It does not echo the value: URLs
// may carry credentials.
func (p *problems) httpURL(key, s string) *url.URL {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		p.add(key, "not a valid URL")
	case u.Scheme != "http" && u.Scheme != "https":
		p.add(key, "must be an absolute http:// or https:// URL")
	case u.Host == "":
		p.add(key, "must name a host")
	case u.Fragment != "" || strings.Contains(s, "#"):
		p.add(key, "must not have a fragment")
	default:
		return u
	}
	return nil
}

func (p *problems) scopeTokens(key string, scopes []string) {
	for i, s := range scopes {
		if !domain.ValidScopeToken(s) {
			p.add(fmt.Sprintf("%s[%d]", key, i), "%q is not a valid scope token", s)
		}
	}
}

// subset reports scopes that are not in the known set.
func (p *problems) subset(key string, scopes, known []string, knownKey string) {
	for i, s := range scopes {
		if !slices.Contains(known, s) {
			p.add(fmt.Sprintf("%s[%d]", key, i), "scope %q is not in %s", s, knownKey)
		}
	}
}

func (p *problems) glob(key, pattern string) {
	if pattern == "" {
		p.add(key, "must not be empty")
		return
	}
	if _, err := path.Match(pattern, ""); err != nil {
		p.add(key, "invalid glob %q: %v", pattern, err)
	}
}

// isLoopback reports whether host (a name or IP, no port) is this machine
// only. The empty host means every interface.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && ip.IsLoopback()
}

// listenHost returns the host part of server.listen, and false when the
// address does not parse (reported by validateServer).
func (c Config) listenHost() (string, bool) {
	host, _, err := net.SplitHostPort(c.Server.Listen)
	return host, err == nil
}
