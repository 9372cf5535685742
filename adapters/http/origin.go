package http

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"gatehouse/domain"
)

// originPolicy guards /mcp against DNS rebinding and cross-site requests:
// the Host must be this server's, and an Origin, when a browser sends one,
// must be this server's or explicitly allowed.
type originPolicy struct {
	hosts   map[string]bool // host:port, lowercase
	origins map[string]bool // originKey form
	// anyOrigin: an allowed entry "*" (server.cors_origins) admits every
	// Origin; the Host check still stands against DNS rebinding.
	anyOrigin bool
	// loopbackPort: when the base URL is on a loopback host, any loopback
	// host name with this port is the same server (localhost vs 127.0.0.1).
	loopbackPort string
}

func newOriginPolicy(baseURL string, allowed []string) originPolicy {
	p := originPolicy{hosts: map[string]bool{}, origins: map[string]bool{}}
	add := func(raw string) {
		if raw == "*" {
			p.anyOrigin = true
		} else if k, ok := originKey(raw); ok {
			p.origins[k] = true
		}
	}
	add(baseURL)
	for _, o := range allowed {
		add(o)
	}
	if u, err := url.Parse(baseURL); err == nil {
		p.hosts[strings.ToLower(hostPort(u))] = true
		if domain.IsLoopbackHost(u.Hostname()) {
			_, p.loopbackPort, _ = net.SplitHostPort(hostPort(u))
		}
	}
	return p
}

// originKey is an origin's comparable form: lowercase scheme://host:port
// with the default port explicit, any path dropped.
func originKey(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + hostPort(u)), true
}

// hostPort returns host:port with the scheme's default port made explicit.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// hostAllowed checks a Host header. A Host without a port may stand for
// either default port: behind a TLS-terminating proxy the request arrives
// as plain HTTP for an https base URL.
func (p originPolicy) hostAllowed(host string) bool {
	host = strings.ToLower(host)
	if _, _, err := net.SplitHostPort(host); err != nil {
		h := strings.Trim(host, "[]")
		return p.hosts[net.JoinHostPort(h, "80")] || p.hosts[net.JoinHostPort(h, "443")]
	}
	if p.hosts[host] {
		return true
	}
	h, port, _ := net.SplitHostPort(host)
	return p.loopbackPort != "" && port == p.loopbackPort && domain.IsLoopbackHost(h)
}

func (p originPolicy) originAllowed(origin string) bool {
	if p.anyOrigin {
		return true
	}
	k, ok := originKey(origin)
	if !ok {
		return false
	}
	if p.origins[k] {
		return true
	}
	u, _ := url.Parse(origin)
	h, port, err := net.SplitHostPort(hostPort(u))
	return err == nil && p.loopbackPort != "" && port == p.loopbackPort && domain.IsLoopbackHost(h)
}

// check reports why a request is refused, or "" when it may proceed.
func (p originPolicy) check(r *http.Request) string {
	if !p.hostAllowed(r.Host) {
		return "host not allowed"
	}
	if o := r.Header.Get("Origin"); o != "" && !p.originAllowed(o) {
		return "origin not allowed"
	}
	return ""
}

// anyHost returns a Host this server answers to, for in-process requests.
func (p originPolicy) anyHost() string {
	for h := range p.hosts {
		return h
	}
	return "localhost"
}
