package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Issuer is the built-in authorization server's issuer identifier:
// auth.builtin.issuer, or server.base_url when that is empty. RFC 8414
// compares issuers as exact strings, so a trailing slash is never part of it.
func (c Config) Issuer() string {
	if c.Auth.Builtin.Issuer != "" {
		return strings.TrimRight(c.Auth.Builtin.Issuer, "/")
	}
	return strings.TrimRight(c.Server.BaseURL, "/")
}

// MCPURL is the canonical URL of the MCP endpoint, the protected resource
// named in RFC 9728 metadata.
func (c Config) MCPURL() string {
	return strings.TrimRight(c.Server.BaseURL, "/") + "/mcp"
}

// Audience is the audience access tokens must carry: auth.external.audience
// when set, otherwise the canonical MCP URL (RFC 8707 resource indicator).
func (c Config) Audience() string {
	if c.Auth.External.Audience != "" {
		return c.Auth.External.Audience
	}
	return c.MCPURL()
}

// ToolPrefix is the prefix the upstream's tools are exported under:
// prefix, or "<name>_" when that is empty.
func (u Upstream) ToolPrefix() string {
	if u.Prefix != nil {
		return *u.Prefix
	}
	return u.Name + "_"
}

// CallTimeout bounds one call to the upstream.
func (u Upstream) CallTimeout() time.Duration {
	if u.Timeout > 0 {
		return u.Timeout
	}
	return 60 * time.Second
}

// Concurrency is how many calls may be in flight to the upstream at once.
func (u Upstream) Concurrency() int {
	if u.MaxConcurrency > 0 {
		return u.MaxConcurrency
	}
	return 8
}

// SigningKeysInStore reports whether the built-in issuer keeps its private
// keys in a shared store (Redis or Postgres), where they are encrypted.
func (c Config) SigningKeysInStore() bool {
	return c.Auth.Mode == "builtin" && c.Auth.Builtin.KeyFile == "" && c.Store.Driver != "memory"
}

// RateLimitDriver is where rate-limit counters live.
func (c Config) RateLimitDriver() string {
	if c.RateLimit.Driver != "" {
		return c.RateLimit.Driver
	}
	return c.Store.Driver
}

// DecodeKeyEncryptionKey parses store.key_encryption_key: standard or URL
// base64 (padded or not) of exactly 32 bytes.
func DecodeKeyEncryptionKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != 32 {
				return nil, fmt.Errorf("must decode to 32 bytes, not %d", len(b))
			}
			return b, nil
		}
	}
	return nil, errors.New("must be base64 of 32 random bytes")
}
