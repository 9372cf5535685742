package config

import (
	"fmt"
	"maps"
	"slices"

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
		default:
			validateUpstreamHTTP(p, key+".http", u.HTTP)
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
