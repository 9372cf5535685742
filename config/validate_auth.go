package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

func (c Config) validateAuth(p *problems) {
	switch c.Auth.Mode {
	case "builtin":
		c.validateBuiltin(p)
	case "external":
		c.validateExternal(p)
	default:
		p.add("auth.mode", "must be builtin or external, not %q", c.Auth.Mode)
	}
}

func (c Config) validateBuiltin(p *problems) {
	b := c.Auth.Builtin
	if b.Issuer != "" {
		if u := p.httpURL("auth.builtin.issuer", b.Issuer); u != nil && (u.RawQuery != "" || u.ForceQuery) {
			p.add("auth.builtin.issuer", "must not have a query (RFC 8414)")
		}
	}
	p.positive("auth.builtin.access_token_ttl", b.AccessTokenTTL)
	p.positive("auth.builtin.key_reload_interval", b.KeyReloadInterval)
	if b.Leeway < 0 || b.Leeway > 5*time.Minute {
		p.add("auth.builtin.leeway", "must be between 0 and 5m")
	}
	p.positive("auth.builtin.refresh_token_ttl", b.RefreshTokenTTL)
	if b.RefreshGrace < 0 || b.RefreshGrace > 5*time.Minute {
		p.add("auth.builtin.refresh_grace", "must be between 0 and 5m")
	}
	p.positive("auth.builtin.code_ttl", b.CodeTTL)
	p.positive("auth.builtin.auth_request_ttl", b.AuthRequestTTL)
	p.positive("auth.builtin.login_session_ttl", b.LoginSessionTTL)
	if b.LoginAttempts < 0 {
		p.add("auth.builtin.login_attempts", "must not be negative (0: no login throttling)")
	}
	if b.LoginAttempts > 0 {
		p.positive("auth.builtin.login_window", b.LoginWindow)
	}
	if b.KeyRotationInterval < 0 {
		p.add("auth.builtin.key_rotation_interval", "must not be negative (0: rotate only on request)")
	}
	p.oneOf("auth.builtin.signing_alg", b.SigningAlg, "ES256", "RS256")
	if !b.RequirePKCE {
		p.add("auth.builtin.require_pkce", "PKCE cannot be turned off (OAuth 2.1)")
	}
	if len(b.Scopes) == 0 {
		p.add("auth.builtin.scopes", "must name at least one scope")
	}
	p.scopeTokens("auth.builtin.scopes", b.Scopes)

	r := b.Registration
	p.oneOf("auth.builtin.registration.policy", r.Policy, "open", "token", "off")
	if r.Policy == "token" && r.Token == "" {
		p.add("auth.builtin.registration.token", "required when auth.builtin.registration.policy=token")
	}
	p.subset("auth.builtin.registration.scopes", r.Scopes, b.Scopes, "auth.builtin.scopes")
	if slices.Contains(r.Scopes, "admin") {
		p.add("auth.builtin.registration.scopes", "must not include admin: dynamically registered clients never get it")
	}

	if m := b.ClientMetadata; m.Enabled {
		p.positive("auth.builtin.client_metadata.cache_ttl", m.CacheTTL)
		p.positive("auth.builtin.client_metadata.timeout", m.Timeout)
	}

	c.validateUsers(p)
	c.validateClients(p)

	if host, ok := c.listenHost(); ok && c.Dev && !b.DemoUsersAllowRemote && !isLoopback(host) {
		p.add("auth.builtin.demo_users_allow_remote",
			"development mode's demo users refuse to listen on non-loopback address %s; set it to true to allow",
			c.Server.Listen)
	}
	// Behind a reverse proxy the listen address is loopback while the world
	// reaches the server through base_url: the demo users must refuse that too.
	if u, err := url.Parse(c.Server.BaseURL); err == nil && u.Host != "" && c.Dev && !b.DemoUsersAllowRemote && !isLoopback(u.Hostname()) {
		p.add("auth.builtin.demo_users_allow_remote",
			"development mode's demo users refuse to serve the non-loopback base URL %s; set it to true to allow",
			c.Server.BaseURL)
	}
	if b.Issuer != "" {
		// Metadata is served at the origin's well-known paths only, so an
		// issuer with a path could not be discovered (RFC 8414 §3.1).
		if u, err := url.Parse(b.Issuer); err == nil && strings.Trim(u.Path, "/") != "" {
			p.add("auth.builtin.issuer", "must not have a path: discovery documents are served at the origin")
		}
	}
}

func (c Config) validateUsers(p *problems) {
	b := c.Auth.Builtin
	seen := map[string]int{}
	for i, u := range b.Users {
		key := fmt.Sprintf("auth.builtin.users[%d]", i)
		if u.Username == "" {
			p.add(key+".username", "required")
		} else if j, dup := seen[u.Username]; dup {
			p.add(key+".username", "%q is also auth.builtin.users[%d]", u.Username, j)
		} else {
			seen[u.Username] = i
		}
		switch {
		case u.Password == "" && u.PasswordHash == "":
			p.add(key+".password", "set password or password_hash")
		case u.Password != "" && u.PasswordHash != "":
			p.add(key+".password", "set only one of password and password_hash")
		}
		p.subset(key+".scopes", u.Scopes, b.Scopes, "auth.builtin.scopes")
	}
}

var grantTypes = []string{"authorization_code", "refresh_token", "client_credentials"}

func (c Config) validateClients(p *problems) {
	b := c.Auth.Builtin
	seen := map[string]int{}
	for i, cl := range b.Clients {
		key := fmt.Sprintf("auth.builtin.clients[%d]", i)
		if cl.ID == "" {
			p.add(key+".id", "required")
		} else if j, dup := seen[cl.ID]; dup {
			p.add(key+".id", "%q is also auth.builtin.clients[%d]", cl.ID, j)
		} else {
			seen[cl.ID] = i
		}
		for j, g := range cl.GrantTypes {
			p.oneOf(fmt.Sprintf("%s.grant_types[%d]", key, j), g, grantTypes...)
		}
		codeFlow := len(cl.GrantTypes) == 0 || slices.Contains(cl.GrantTypes, "authorization_code")
		if codeFlow && len(cl.RedirectURIs) == 0 {
			p.add(key+".redirect_uris", "required for the authorization_code grant")
		}
		for j, r := range cl.RedirectURIs {
			if u, err := url.Parse(r); err != nil || u.Scheme == "" || u.Fragment != "" {
				p.add(fmt.Sprintf("%s.redirect_uris[%d]", key, j), "%q is not an absolute URI without fragment", r)
			}
		}
		switch {
		case slices.Contains(cl.GrantTypes, "client_credentials") && cl.Secret == "":
			p.add(key+".secret", "required for the client_credentials grant")
		case cl.Secret == "" && !b.AllowPublicClients:
			p.add(key+".secret", "required when auth.builtin.allow_public_clients is false")
		}
		p.subset(key+".scopes", cl.Scopes, b.Scopes, "auth.builtin.scopes")
	}
}

// externalAlgs are the JWS algorithms accepted from an external issuer:
// asymmetric only, so that a public key can never be used as an HMAC secret.
var externalAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

func (c Config) validateExternal(p *problems) {
	e := c.Auth.External
	if e.IssuerURL == "" && e.JWKSURL == "" {
		p.add("auth.external.issuer_url", "required when auth.mode=external (or set auth.external.jwks_url)")
	} else if e.IssuerURL == "" && e.ValidateIss {
		p.add("auth.external.issuer_url", "required when auth.external.validate_iss is true")
	}
	if e.IssuerURL != "" {
		p.httpURL("auth.external.issuer_url", e.IssuerURL)
	}
	if e.JWKSURL != "" {
		p.httpURL("auth.external.jwks_url", e.JWKSURL)
	}
	if len(e.Algorithms) == 0 {
		p.add("auth.external.algorithms", "must name at least one algorithm")
	}
	for i, a := range e.Algorithms {
		p.oneOf(fmt.Sprintf("auth.external.algorithms[%d]", i), a, externalAlgs...)
	}
	p.scopeTokens("auth.external.required_scopes", e.RequiredScopes)
	if e.Leeway < 0 || e.Leeway > 5*time.Minute {
		p.add("auth.external.leeway", "must be between 0 and 5m")
	}
	p.positive("auth.external.jwks_cache_ttl", e.JWKSCacheTTL)
	if e.JWKSStaleWindow < 0 {
		p.add("auth.external.jwks_stale_window", "must not be negative")
	}
	p.positive("auth.external.jwks_min_refresh_interval", e.JWKSMinRefreshInterval)
	if e.ValidateAud && e.Audience == "" && c.Server.BaseURL == "" {
		p.add("auth.external.audience", "required when auth.external.validate_aud is true and server.base_url is empty")
	}
	if in := e.Introspection; in.URL != "" {
		p.httpURL("auth.external.introspection.url", in.URL)
		if in.ClientID == "" && e.ClientID == "" {
			p.add("auth.external.introspection.client_id", "required when auth.external.introspection.url is set (or set auth.external.client_id)")
		}
	}
}
