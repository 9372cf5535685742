package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

func (c Config) validateServer(p *problems) {
	s := c.Server
	if _, port, err := net.SplitHostPort(s.Listen); err != nil {
		p.add("server.listen", "%q is not host:port", s.Listen)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.add("server.listen", "port %q is not a number from 0 to 65535", port)
	}

	if s.BaseURL == "" {
		p.add("server.base_url", "required")
	} else if u := p.httpURL("server.base_url", s.BaseURL); u != nil {
		if u.RawQuery != "" || u.ForceQuery {
			p.add("server.base_url", "must not have a query")
		}
		if u.User != nil {
			p.add("server.base_url", "must not contain user information")
		}
		if u.Scheme == "http" && !c.Dev && !isLoopback(u.Hostname()) {
			p.add("server.base_url", "http:// is only allowed for loopback hosts outside development mode "+
				"(OAuth 2.1 requires TLS); use https:// (TLS may end at a proxy in front)")
		}
	}

	if (s.TLS.CertFile == "") != (s.TLS.KeyFile == "") {
		if s.TLS.CertFile == "" {
			p.add("server.tls.cert_file", "required when server.tls.key_file is set")
		} else {
			p.add("server.tls.key_file", "required when server.tls.cert_file is set")
		}
	}
	for i, o := range s.AllowedOrigins {
		origin(p, fmt.Sprintf("server.allowed_origins[%d]", i), o)
	}
	for i, o := range s.CORSOrigins {
		if o != "*" {
			origin(p, fmt.Sprintf("server.cors_origins[%d]", i), o)
		}
	}
	for i, a := range s.IPAllowlist {
		ipOrCIDR(p, fmt.Sprintf("server.ip_allowlist[%d]", i), a)
	}
	for i, a := range s.MCPIPAllowlist {
		ipOrCIDR(p, fmt.Sprintf("server.mcp_ip_allowlist[%d]", i), a)
	}
	for i, a := range s.OAuthIPAllowlist {
		ipOrCIDR(p, fmt.Sprintf("server.oauth_ip_allowlist[%d]", i), a)
	}
	for i, a := range s.TrustedProxies {
		ipOrCIDR(p, fmt.Sprintf("server.trusted_proxies[%d]", i), a)
	}
	p.positive("server.shutdown_timeout", s.ShutdownTimeout)
}

// origin checks a browser origin: scheme://host[:port], nothing after it.
func origin(p *problems, key, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		p.add(key, "%q is not an origin (scheme://host[:port])", s)
	}
}

func ipOrCIDR(p *problems, key, s string) {
	if _, err := netip.ParsePrefix(s); err == nil {
		return
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return
	}
	p.add(key, "%q is neither an IP address nor a CIDR prefix", s)
}

func (c Config) validateLog(p *problems) {
	p.oneOf("log.level", strings.ToLower(c.Log.Level), "debug", "info", "warn", "error")
	p.oneOf("log.format", c.Log.Format, "text", "json")
}

func (c Config) validateRateLimit(p *problems) {
	r := c.RateLimit
	if !r.Enabled {
		return
	}
	if r.Requests <= 0 {
		p.add("ratelimit.requests", "must be positive when ratelimit.enabled is true")
	}
	p.positive("ratelimit.window", r.Window)
	if r.OAuthRequests <= 0 {
		p.add("ratelimit.oauth_requests", "must be positive when ratelimit.enabled is true")
	}
	p.positive("ratelimit.oauth_window", r.OAuthWindow)
}

func (c Config) validateStore(p *problems) {
	switch c.Store.Driver {
	case "memory":
	case "redis":
		if c.Store.Redis.URL == "" {
			p.add("store.redis.url", "required when store.driver=redis")
		}
	case "postgres":
		if c.Store.Postgres.DSN == "" {
			p.add("store.postgres.dsn", "required when store.driver=postgres")
		}
	default:
		p.add("store.driver", "must be one of memory, redis, postgres, not %q", c.Store.Driver)
	}
	if u := c.Store.Redis.URL.Reveal(); u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "redis" && pu.Scheme != "rediss" && pu.Scheme != "unix") {
			p.add("store.redis.url", "must be a redis://, rediss:// or unix:// URL")
		}
	}
	if k := c.Store.KeyEncryptionKey.Reveal(); k != "" {
		if _, err := DecodeKeyEncryptionKey(k); err != nil {
			p.add("store.key_encryption_key", "%v", err)
		}
	} else if c.SigningKeysInStore() {
		p.add("store.key_encryption_key", "required when signing keys live in store.driver=%s (base64 of 32 random bytes, e.g. `openssl rand -base64 32`), or set auth.builtin.key_file", c.Store.Driver)
	}
	switch d := c.RateLimit.Driver; d {
	case "", "memory":
	case "redis":
		if c.Store.Redis.URL == "" {
			p.add("ratelimit.driver", "redis needs store.redis.url")
		}
	case "postgres":
		if c.Store.Postgres.DSN == "" {
			p.add("ratelimit.driver", "postgres needs store.postgres.dsn")
		}
	default:
		p.add("ratelimit.driver", "must be empty (follow store.driver), memory, redis or postgres, not %q", d)
	}
}

func (c Config) validateSessions(p *problems) {
	p.positive("sessions.ttl", c.Sessions.TTL)
	if c.Sessions.MaxPerUser < 0 {
		p.add("sessions.max_per_user", "must not be negative")
	}
	if c.Sessions.MaxAge < 0 {
		p.add("sessions.max_age", "must not be negative (0: no cap)")
	}
}
