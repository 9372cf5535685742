package config

import "strings"

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
	if u.Prefix != "" {
		return u.Prefix
	}
	return u.Name + "_"
}
