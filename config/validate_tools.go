package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gatehouse/domain"
)

func (c Config) validateTools(p *problems) {
	t := c.Tools
	p.scopeTokens("tools.default_scopes", t.DefaultScopes)
	for i, r := range t.Policy {
		key := fmt.Sprintf("tools.policy[%d]", i)
		p.glob(key+".match", r.Match)
		if len(r.Scopes) == 0 {
			p.add(key+".scopes", "must name at least one scope")
		}
		p.scopeTokens(key+".scopes", r.Scopes)
	}
	for _, from := range slices.Sorted(maps.Keys(t.Implications)) {
		to := t.Implications[from]
		key := "tools.implications." + from
		if !domain.ValidScopeToken(from) {
			p.add(key, "%q is not a valid scope token", from)
		}
		p.scopeTokens(key, to)
	}
}

func (c Config) validateUpstreams(p *problems) {
	names := map[string]int{}
	prefixes := map[string]int{}
	for i, u := range c.Upstreams {
		key := fmt.Sprintf("upstreams[%d]", i)
		if u.Name == "" {
			p.add(key+".name", "required")
		} else if j, dup := names[u.Name]; dup {
			p.add(key+".name", "%q is also upstreams[%d]", u.Name, j)
		} else {
			names[u.Name] = i
		}
		if u.Name != "" {
			if j, dup := prefixes[u.ToolPrefix()]; dup {
				p.add(key+".prefix", "%q is also the prefix of upstreams[%d]", u.ToolPrefix(), j)
			} else {
				prefixes[u.ToolPrefix()] = i
			}
		}
		switch {
		case u.Stdio == nil && u.HTTP == nil:
			p.add(key, "set one of stdio and http")
		case u.Stdio != nil && u.HTTP != nil:
			p.add(key, "set only one of stdio and http")
		case u.Stdio != nil:
			if u.Stdio.Command == "" {
				p.add(key+".stdio.command", "required")
			}
			for j, name := range u.Stdio.EnvPassthrough {
				if !validEnvName(name) {
					p.add(fmt.Sprintf("%s.stdio.env_passthrough[%d]", key, j), "%q is not a variable name", name)
				}
			}
		default:
			validateUpstreamHTTP(p, key+".http", u.HTTP)
		}
		if u.Timeout < 0 {
			p.add(key+".timeout", "must not be negative")
		}
		p.scopeTokens(key+".read_scopes", u.ReadScopes)
		if u.Protocol != "" {
			p.oneOf(key+".protocol", u.Protocol, "2025-11-25", "2026-07-28")
		}
		if u.MaxConcurrency < 0 {
			p.add(key+".max_concurrency", "must not be negative")
		}
		for j, g := range u.Include {
			p.glob(fmt.Sprintf("%s.include[%d]", key, j), g)
		}
		for j, g := range u.Exclude {
			p.glob(fmt.Sprintf("%s.exclude[%d]", key, j), g)
		}
	}
}

func validateUpstreamHTTP(p *problems, key string, h *UpstreamHTTP) {
	if h.URL == "" {
		p.add(key+".url", "required")
	} else {
		p.httpURL(key+".url", h.URL)
	}
	for _, name := range slices.Sorted(maps.Keys(h.Headers)) {
		if !validHeaderName(name) {
			p.add(key+".headers", "%q is not a header name", name)
		}
		if strings.EqualFold(name, "Authorization") {
			p.add(key+".headers", "Authorization is set from bearer_env or client_credentials, which keep the secret out of this file")
		}
	}
	cc := h.ClientCredentials
	if cc == nil {
		return
	}
	if h.BearerEnv != "" {
		p.add(key+".bearer_env", "set only one of bearer_env and client_credentials")
	}
	if cc.TokenURL == "" {
		p.add(key+".client_credentials.token_url", "required")
	} else {
		p.httpURL(key+".client_credentials.token_url", cc.TokenURL)
	}
	if cc.ClientID == "" {
		p.add(key+".client_credentials.client_id", "required")
	}
	if cc.ClientSecretEnv == "" {
		p.add(key+".client_credentials.client_secret_env", "required")
	}
}

func validEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, r := range s {
		if r != '_' && (r < 'A' || r > 'Z') && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r > 0x7e || r <= ' ' || strings.ContainsRune("\"(),/:;<=>?@[\\]{}", r) {
			return false
		}
	}
	return true
}
