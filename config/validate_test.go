package config

import (
	"strings"
	"testing"
	"time"
)

// hasLine reports whether one line of err's message starts with prefix.
func hasLine(err error, prefix string) bool {
	if err == nil {
		return false
	}
	for line := range strings.SplitSeq(err.Error(), "\n") {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// production is a valid non-development configuration to break one rule at
// a time.
func production() Config {
	c := Defaults()
	c.Dev = false
	c.Server.Listen = "0.0.0.0:8443"
	c.Server.BaseURL = "https://gh.example"
	return c
}

func external() Config {
	c := production()
	c.Auth.Mode = "external"
	c.Auth.External.IssuerURL = "https://idp.example/"
	return c
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		base   func() Config
		mutate func(*Config)
		want   string
	}{
		{"listen not host:port", production, func(c *Config) { c.Server.Listen = "8000" },
			`server.listen: "8000" is not host:port`},
		{"listen bad port", production, func(c *Config) { c.Server.Listen = "127.0.0.1:99999" },
			"server.listen: port"},
		{"base_url missing", production, func(c *Config) { c.Server.BaseURL = "" }, "server.base_url: required"},
		{"base_url relative", production, func(c *Config) { c.Server.BaseURL = "/gatehouse" },
			"server.base_url: must be an absolute"},
		{"base_url ftp", production, func(c *Config) { c.Server.BaseURL = "ftp://gh.example" },
			"server.base_url: must be an absolute"},
		{"base_url query", production, func(c *Config) { c.Server.BaseURL = "https://gh.example?x=1" },
			"server.base_url: must not have a query"},
		{"base_url fragment", production, func(c *Config) { c.Server.BaseURL = "https://gh.example#top" },
			"server.base_url: must not have a fragment"},
		{"base_url user info", production, func(c *Config) { c.Server.BaseURL = "https://u:p@gh.example" },
			"server.base_url: must not contain user information"},
		{"plain http on a public host outside dev", production,
			func(c *Config) { c.Server.BaseURL = "http://gh.example" }, "server.base_url: http:// is only allowed"},
		{"tls key without cert", production, func(c *Config) { c.Server.TLS.KeyFile = "k.pem" },
			"server.tls.cert_file: required"},
		{"tls cert without key", production, func(c *Config) { c.Server.TLS.CertFile = "c.pem" },
			"server.tls.key_file: required"},
		{"allowed origin with path", production,
			func(c *Config) { c.Server.AllowedOrigins = []string{"https://a.example/app"} },
			"server.allowed_origins[0]: "},
		{"cors origin", production, func(c *Config) { c.Server.CORSOrigins = []string{"*", "a.example"} },
			"server.cors_origins[1]: "},
		{"ip allowlist", production, func(c *Config) { c.Server.IPAllowlist = []string{"10.0.0.0/8", "nope"} },
			`server.ip_allowlist[1]: "nope"`},
		{"trusted proxies", production, func(c *Config) { c.Server.TrustedProxies = []string{"10.0.0.0/33"} },
			"server.trusted_proxies[0]: "},
		{"shutdown timeout", production, func(c *Config) { c.Server.ShutdownTimeout = 0 },
			"server.shutdown_timeout: must be positive"},
		{"log level", production, func(c *Config) { c.Log.Level = "verbose" }, "log.level: must be one of"},
		{"log format", production, func(c *Config) { c.Log.Format = "xml" }, "log.format: must be one of"},
		{"auth mode", production, func(c *Config) { c.Auth.Mode = "none" },
			`auth.mode: must be builtin or external, not "none"`},
		{"issuer not a URL", production, func(c *Config) { c.Auth.Builtin.Issuer = "gatehouse" },
			"auth.builtin.issuer: must be an absolute"},
		{"signing alg", production, func(c *Config) { c.Auth.Builtin.SigningAlg = "HS256" },
			"auth.builtin.signing_alg: must be one of ES256, RS256"},
		{"pkce off", production, func(c *Config) { c.Auth.Builtin.RequirePKCE = false },
			"auth.builtin.require_pkce: PKCE cannot be turned off (OAuth 2.1)"},
		{"access token ttl", production, func(c *Config) { c.Auth.Builtin.AccessTokenTTL = 0 },
			"auth.builtin.access_token_ttl: must be positive"},
		{"refresh token ttl", production, func(c *Config) { c.Auth.Builtin.RefreshTokenTTL = -time.Second },
			"auth.builtin.refresh_token_ttl: must be positive"},
		{"code ttl", production, func(c *Config) { c.Auth.Builtin.CodeTTL = 0 }, "auth.builtin.code_ttl: "},
		{"auth request ttl", production, func(c *Config) { c.Auth.Builtin.AuthRequestTTL = 0 },
			"auth.builtin.auth_request_ttl: "},
		{"login session ttl", production, func(c *Config) { c.Auth.Builtin.LoginSessionTTL = 0 },
			"auth.builtin.login_session_ttl: "},
		{"login attempts negative", production, func(c *Config) { c.Auth.Builtin.LoginAttempts = -1 },
			"auth.builtin.login_attempts: must not be negative"},
		{"login window with attempts", production, func(c *Config) { c.Auth.Builtin.LoginWindow = 0 },
			"auth.builtin.login_window: must be positive"},
		{"key rotation negative", production, func(c *Config) { c.Auth.Builtin.KeyRotationInterval = -time.Hour },
			"auth.builtin.key_rotation_interval: "},
		{"no scopes", production, func(c *Config) { c.Auth.Builtin.Scopes = nil; c.Auth.Builtin.Registration.Scopes = nil },
			"auth.builtin.scopes: must name at least one scope"},
		{"bad scope token", production, func(c *Config) { c.Auth.Builtin.Scopes = []string{"read", "a b"} },
			`auth.builtin.scopes[1]: "a b" is not a valid scope token`},
		{"registration policy", production, func(c *Config) { c.Auth.Builtin.Registration.Policy = "closed" },
			"auth.builtin.registration.policy: must be one of open, token, off"},
		{"registration token missing", production, func(c *Config) { c.Auth.Builtin.Registration.Policy = "token" },
			"auth.builtin.registration.token: required when auth.builtin.registration.policy=token"},
		{"registration scope unknown", production,
			func(c *Config) { c.Auth.Builtin.Registration.Scopes = []string{"read", "delete"} },
			`auth.builtin.registration.scopes[1]: scope "delete" is not in auth.builtin.scopes`},
		{"registration admin", production,
			func(c *Config) { c.Auth.Builtin.Registration.Scopes = []string{"read", "admin"} },
			"auth.builtin.registration.scopes: must not include admin"},
		{"client metadata timeout", production, func(c *Config) { c.Auth.Builtin.ClientMetadata.Timeout = 0 },
			"auth.builtin.client_metadata.timeout: must be positive"},
		{"user without name", production,
			func(c *Config) { c.Auth.Builtin.Users = []User{{Password: "pw"}} },
			"auth.builtin.users[0].username: required"},
		{"user without password", production,
			func(c *Config) { c.Auth.Builtin.Users = []User{{Username: "carol"}} },
			"auth.builtin.users[0].password: set password or password_hash"},
		{"user with both passwords", production,
			func(c *Config) {
				c.Auth.Builtin.Users = []User{{Username: "carol", Password: "pw", PasswordHash: "$argon2id$x"}}
			},
			"auth.builtin.users[0].password: set only one"},
		{"duplicate user", production,
			func(c *Config) {
				c.Auth.Builtin.Users = []User{{Username: "carol", Password: "a"}, {Username: "carol", Password: "b"}}
			},
			`auth.builtin.users[1].username: "carol" is also auth.builtin.users[0]`},
		{"user scope unknown", production,
			func(c *Config) {
				c.Auth.Builtin.Users = []User{{Username: "carol", Password: "a", Scopes: []string{"root"}}}
			},
			`auth.builtin.users[0].scopes[0]: scope "root"`},
		{"client without id", production,
			func(c *Config) {
				c.Auth.Builtin.Clients = []StaticClient{{RedirectURIs: []string{"https://a.example/cb"}}}
			},
			"auth.builtin.clients[0].id: required"},
		{"client grant type", production,
			func(c *Config) {
				c.Auth.Builtin.Clients = []StaticClient{{ID: "c", Secret: "s", GrantTypes: []string{"password"}}}
			},
			"auth.builtin.clients[0].grant_types[0]: must be one of"},
		{"client without redirect", production,
			func(c *Config) { c.Auth.Builtin.Clients = []StaticClient{{ID: "c"}} },
			"auth.builtin.clients[0].redirect_uris: required"},
		{"client bad redirect", production,
			func(c *Config) { c.Auth.Builtin.Clients = []StaticClient{{ID: "c", RedirectURIs: []string{"/cb"}}} },
			"auth.builtin.clients[0].redirect_uris[0]: "},
		{"client credentials without secret", production,
			func(c *Config) {
				c.Auth.Builtin.Clients = []StaticClient{{ID: "c", GrantTypes: []string{"client_credentials"}}}
			},
			"auth.builtin.clients[0].secret: required for the client_credentials grant"},
		{"public client refused", production,
			func(c *Config) {
				c.Auth.Builtin.AllowPublicClients = false
				c.Auth.Builtin.Clients = []StaticClient{{ID: "c", RedirectURIs: []string{"https://a.example/cb"}}}
			},
			"auth.builtin.clients[0].secret: required when auth.builtin.allow_public_clients is false"},
		{"demo users on all interfaces", Defaults, func(c *Config) { c.Server.Listen = "0.0.0.0:8000" },
			"auth.builtin.demo_users_allow_remote: development mode's demo users refuse to listen on " +
				"non-loopback address 0.0.0.0:8000; set it to true to allow"},
		{"demo users on empty host", Defaults, func(c *Config) { c.Server.Listen = ":8000" },
			"auth.builtin.demo_users_allow_remote: "},
		{"demo users on a LAN address", Defaults, func(c *Config) { c.Server.Listen = "192.168.1.5:8000" },
			"auth.builtin.demo_users_allow_remote: "},
		{"demo users behind a proxy for a public base URL", Defaults,
			func(c *Config) { c.Server.BaseURL = "https://gatehouse.example.com" },
			"auth.builtin.demo_users_allow_remote: development mode's demo users refuse to serve the non-loopback base URL"},
		{"issuer with a path", Defaults, func(c *Config) { c.Auth.Builtin.Issuer = "http://localhost:8000/tenant" },
			"auth.builtin.issuer: must not have a path"},
		{"external without issuer", production, func(c *Config) { c.Auth.Mode = "external" },
			"auth.external.issuer_url: required when auth.mode=external"},
		{"external jwks only but validate_iss", external,
			func(c *Config) { c.Auth.External.IssuerURL = ""; c.Auth.External.JWKSURL = "https://idp.example/jwks" },
			"auth.external.issuer_url: required when auth.external.validate_iss is true"},
		{"external bad issuer", external, func(c *Config) { c.Auth.External.IssuerURL = "idp.example" },
			"auth.external.issuer_url: must be an absolute"},
		{"external bad jwks", external, func(c *Config) { c.Auth.External.JWKSURL = "file:///jwks" },
			"auth.external.jwks_url: must be an absolute"},
		{"external no algorithms", external, func(c *Config) { c.Auth.External.Algorithms = nil },
			"auth.external.algorithms: must name at least one"},
		{"external symmetric algorithm", external, func(c *Config) { c.Auth.External.Algorithms = []string{"HS256"} },
			"auth.external.algorithms[0]: must be one of"},
		{"external none algorithm", external, func(c *Config) { c.Auth.External.Algorithms = []string{"RS256", "none"} },
			"auth.external.algorithms[1]: "},
		{"external required scope", external, func(c *Config) { c.Auth.External.RequiredScopes = []string{""} },
			"auth.external.required_scopes[0]: "},
		{"external leeway", external, func(c *Config) { c.Auth.External.Leeway = -time.Second },
			"auth.external.leeway: must be between 0 and 5m"},
		{"external jwks cache", external, func(c *Config) { c.Auth.External.JWKSCacheTTL = 0 },
			"auth.external.jwks_cache_ttl: must be positive"},
		{"introspection without client", external,
			func(c *Config) { c.Auth.External.Introspection.URL = "https://idp.example/introspect" },
			"auth.external.introspection.client_id: required"},
		{"ratelimit requests", production, func(c *Config) { c.RateLimit.Requests = 0 },
			"ratelimit.requests: must be positive when ratelimit.enabled is true"},
		{"ratelimit window", production, func(c *Config) { c.RateLimit.Window = 0 },
			"ratelimit.window: must be positive"},
		{"ratelimit oauth requests", production, func(c *Config) { c.RateLimit.OAuthRequests = -1 },
			"ratelimit.oauth_requests: "},
		{"ratelimit oauth window", production, func(c *Config) { c.RateLimit.OAuthWindow = 0 },
			"ratelimit.oauth_window: "},
		{"store driver", production, func(c *Config) { c.Store.Driver = "sqlite" },
			`store.driver: must be one of memory, redis, postgres, not "sqlite"`},
		{"redis without url", production, func(c *Config) { c.Store.Driver = "redis" },
			"store.redis.url: required when store.driver=redis"},
		{"redis bad url", production,
			func(c *Config) { c.Store.Driver = "redis"; c.Store.Redis.URL = "http://r:6379" },
			"store.redis.url: must be a redis://"},
		{"postgres without dsn", production, func(c *Config) { c.Store.Driver = "postgres" },
			"store.postgres.dsn: required when store.driver=postgres"},
		{"redis without key encryption key", production, func(c *Config) { c.Store.Driver, c.Store.Redis.URL = "redis", "redis://r" },
			"store.key_encryption_key: required when signing keys live in store.driver=redis"},
		{"short key encryption key", production, func(c *Config) {
			c.Store.Driver, c.Store.Redis.URL, c.Store.KeyEncryptionKey = "redis", "redis://r", "c2hvcnQ="
		}, "store.key_encryption_key: must decode to 32 bytes, not 5"},
		{"key encryption key not base64", production, func(c *Config) { c.Store.KeyEncryptionKey = "not base64!" },
			"store.key_encryption_key: must be base64 of 32 random bytes"},
		{"rate limit driver without its connection", production, func(c *Config) { c.RateLimit.Driver = "redis" },
			"ratelimit.driver: redis needs store.redis.url"},
		{"rate limit driver unknown", production, func(c *Config) { c.RateLimit.Driver = "etcd" },
			`ratelimit.driver: must be empty (follow store.driver), memory, redis or postgres, not "etcd"`},
		{"refresh grace too long", production, func(c *Config) { c.Auth.Builtin.RefreshGrace = time.Hour },
			"auth.builtin.refresh_grace: must be between 0 and 5m"},
		{"external stale window", external, func(c *Config) { c.Auth.External.JWKSStaleWindow = -time.Second },
			"auth.external.jwks_stale_window: must not be negative"},
		{"sessions ttl", production, func(c *Config) { c.Sessions.TTL = 0 }, "sessions.ttl: must be positive"},
		{"sessions max per user", production, func(c *Config) { c.Sessions.MaxPerUser = -1 },
			"sessions.max_per_user: must not be negative"},
		{"sessions max age", production, func(c *Config) { c.Sessions.MaxAge = -time.Hour }, "sessions.max_age: "},
		{"default scope token", production, func(c *Config) { c.Tools.DefaultScopes = []string{`"q"`} },
			"tools.default_scopes[0]: "},
		{"policy bad glob", production,
			func(c *Config) { c.Tools.Policy = []ToolRule{{Match: "db_[", Scopes: []string{"read"}}} },
			`tools.policy[0].match: invalid glob "db_["`},
		{"policy empty glob", production,
			func(c *Config) { c.Tools.Policy = []ToolRule{{Scopes: []string{"read"}}} },
			"tools.policy[0].match: must not be empty"},
		{"policy without scopes", production, func(c *Config) { c.Tools.Policy = []ToolRule{{Match: "db_*"}} },
			"tools.policy[0].scopes: must name at least one scope"},
		{"implication token", production,
			func(c *Config) { c.Tools.Implications = map[string][]string{"admin": {"re ad"}} },
			"tools.implications.admin[0]: "},
		{"upstream without name", production,
			func(c *Config) { c.Upstreams = []Upstream{{Stdio: &UpstreamStdio{Command: "node"}}} },
			"upstreams[0].name: required"},
		{"upstream duplicate name", production,
			func(c *Config) {
				s := &UpstreamStdio{Command: "node"}
				c.Upstreams = []Upstream{{Name: "a", Stdio: s}, {Name: "a", Stdio: s}}
			},
			`upstreams[1].name: "a" is also upstreams[0]`},
		{"upstream duplicate prefix", production,
			func(c *Config) {
				s := &UpstreamStdio{Command: "node"}
				c.Upstreams = []Upstream{{Name: "a", Stdio: s}, {Name: "b", Prefix: ptr("a_"), Stdio: s}}
			},
			`upstreams[1].prefix: "a_" is also the prefix of upstreams[0]`},
		{"upstream neither transport", production, func(c *Config) { c.Upstreams = []Upstream{{Name: "a"}} },
			"upstreams[0]: set one of stdio and http"},
		{"upstream both transports", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"},
					HTTP: &UpstreamHTTP{URL: "https://u.example/mcp"}}}
			},
			"upstreams[0]: set only one of stdio and http"},
		{"upstream stdio command", production,
			func(c *Config) { c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{}}} },
			"upstreams[0].stdio.command: required"},
		{"upstream http url", production,
			func(c *Config) { c.Upstreams = []Upstream{{Name: "a", HTTP: &UpstreamHTTP{URL: "u.example"}}} },
			"upstreams[0].http.url: must be an absolute"},
		{"upstream client credentials", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", HTTP: &UpstreamHTTP{URL: "https://u.example/mcp",
					ClientCredentials: &UpstreamClientCredentials{TokenURL: "https://idp.example/token"}}}}
			},
			"upstreams[0].http.client_credentials.client_id: required"},
		{"upstream include glob", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"}, Include: []string{"[a"}}}
			},
			"upstreams[0].include[0]: invalid glob"},
		{"upstream env passthrough", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x", EnvPassthrough: []string{"OK_1", "NOT-OK"}}}}
			},
			`upstreams[0].stdio.env_passthrough[1]: "NOT-OK" is not a variable name`},
		{"upstream authorization header", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", HTTP: &UpstreamHTTP{URL: "https://u.example/mcp",
					Headers: map[string]string{"authorization": "Bearer x"}}}}
			},
			"upstreams[0].http.headers: Authorization is set from bearer_env"},
		{"upstream header name", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", HTTP: &UpstreamHTTP{URL: "https://u.example/mcp",
					Headers: map[string]string{"X Bad": "1"}}}}
			},
			`upstreams[0].http.headers: "X Bad" is not a header name`},
		{"upstream timeout", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"}, Timeout: -time.Second}}
			},
			"upstreams[0].timeout: must not be negative"},
		{"upstream read scopes", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"}, ReadScopes: []string{"re ad"}}}
			},
			"upstreams[0].read_scopes[0]: "},
		{"upstream protocol", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"}, Protocol: "2025-06-18"}}
			},
			`upstreams[0].protocol: must be one of 2025-11-25, 2026-07-28, not "2025-06-18"`},
		{"upstream concurrency", production,
			func(c *Config) {
				c.Upstreams = []Upstream{{Name: "a", Stdio: &UpstreamStdio{Command: "x"}, MaxConcurrency: -1}}
			},
			"upstreams[0].max_concurrency: must not be negative"},
		{"audit ring size", production, func(c *Config) { c.Audit.RingSize = -1 },
			"audit.ring_size: must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base()
			if err := c.Validate(); err != nil {
				t.Fatalf("base configuration is invalid: %v", err)
			}
			tt.mutate(&c)
			if err := c.Validate(); !hasLine(err, tt.want) {
				t.Errorf("Validate() = %v\nwant a line starting with %q", err, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name   string
		base   func() Config
		mutate func(*Config)
	}{
		{"defaults", Defaults, func(*Config) {}},
		{"production https", production, func(*Config) {}},
		{"login throttling off", production, func(c *Config) { c.Auth.Builtin.LoginAttempts, c.Auth.Builtin.LoginWindow = 0, 0 }},
		{"external", external, func(*Config) {}},
		{"external with jwks only", external, func(c *Config) {
			c.Auth.External.IssuerURL = ""
			c.Auth.External.JWKSURL = "https://idp.example/jwks"
			c.Auth.External.ValidateIss = false
		}},
		{"plain http on loopback outside dev", production, func(c *Config) { c.Server.BaseURL = "http://127.0.0.1:8000" }},
		{"plain http on a public host in dev", Defaults, func(c *Config) {
			c.Server.BaseURL = "http://gh.lan:8000"
			c.Auth.Builtin.DemoUsersAllowRemote = true
		}},
		{"demo users allowed remote", Defaults, func(c *Config) {
			c.Server.Listen = "0.0.0.0:8000"
			c.Auth.Builtin.DemoUsersAllowRemote = true
		}},
		{"dev on IPv6 loopback", Defaults, func(c *Config) { c.Server.Listen = "[::1]:8000" }},
		{"dev on localhost", Defaults, func(c *Config) { c.Server.Listen = "localhost:0" }},
		{"dev external mode on all interfaces", Defaults, func(c *Config) {
			c.Auth.Mode = "external"
			c.Auth.External.IssuerURL = "https://idp.example"
			c.Server.Listen = "0.0.0.0:8000"
		}},
		{"external ignores builtin settings", external, func(c *Config) { c.Auth.Builtin.SigningAlg = "" }},
		{"ratelimit off ignores its numbers", production, func(c *Config) {
			c.RateLimit.Enabled = false
			c.RateLimit.Requests = 0
		}},
		{"redis", production, func(c *Config) {
			c.Store.Driver, c.Store.Redis.URL, c.Store.KeyEncryptionKey = "redis", "rediss://r:6380/0", testKEK
		}},
		{"postgres", production, func(c *Config) {
			c.Store.Driver, c.Store.Postgres.DSN, c.Store.KeyEncryptionKey = "postgres", "host=db", testKEK
		}},
		{"postgres with a key file and no key encryption key", production, func(c *Config) {
			c.Store.Driver, c.Store.Postgres.DSN, c.Auth.Builtin.KeyFile = "postgres", "host=db", "/var/lib/gatehouse/keys.json"
		}},
		{"redis in external mode needs no key encryption key", external, func(c *Config) {
			c.Store.Driver, c.Store.Redis.URL = "redis", "redis://r:6379/0"
		}},
		{"rate limits per process with a shared store", production, func(c *Config) {
			c.Store.Driver, c.Store.Redis.URL, c.Store.KeyEncryptionKey, c.RateLimit.Driver = "redis", "redis://r", testKEK, "memory"
		}},
		{"postgres store with rate limits in redis", production, func(c *Config) {
			c.Store.Driver, c.Store.Postgres.DSN, c.Store.KeyEncryptionKey = "postgres", "host=db", testKEK
			c.RateLimit.Driver, c.Store.Redis.URL = "redis", "redis://cache:6379/0"
		}},
		{"refresh grace", production, func(c *Config) { c.Auth.Builtin.RefreshGrace = 30 * time.Second }},
		{"registration token", production, func(c *Config) {
			c.Auth.Builtin.Registration.Policy = "token"
			c.Auth.Builtin.Registration.Token = "t"
		}},
		{"full gateway", production, func(c *Config) {
			c.Auth.Builtin.Users = []User{{Username: "carol", PasswordHash: "$argon2id$x", Scopes: []string{"read"}}}
			c.Auth.Builtin.Clients = []StaticClient{
				{ID: "web", RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"read"}},
				{ID: "svc", Secret: "s", GrantTypes: []string{"client_credentials"}},
			}
			c.Tools.Policy = []ToolRule{{Match: "everything_get*", Scopes: []string{"read"}}}
			c.Upstreams = []Upstream{
				{Name: "everything", Stdio: &UpstreamStdio{Command: "node"}, Include: []string{"*"}},
				{Name: "remote", HTTP: &UpstreamHTTP{URL: "https://u.example/mcp", BearerEnv: "UPSTREAM_TOKEN"}},
			}
			c.Server.AllowedOrigins = []string{"https://app.example"}
			c.Server.TrustedProxies = []string{"10.0.0.0/8", "192.168.1.1"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.base()
			tt.mutate(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateCollectsEveryProblem(t *testing.T) {
	c := production()
	c.Store.Driver = "postgres"
	c.Auth.Builtin.RequirePKCE = false
	c.Sessions.TTL = 0
	err := c.Validate()
	for _, want := range []string{"store.postgres.dsn: ", "auth.builtin.require_pkce: ", "sessions.ttl: "} {
		if !hasLine(err, want) {
			t.Errorf("Validate() = %v\nwant a line starting with %q", err, want)
		}
	}
}

func TestValidateHidesSecrets(t *testing.T) {
	c := production()
	c.Store.Driver = "redis"
	c.Store.Redis.URL = "http://:s3cr3t@r:6379"
	c.Auth.External.Introspection.URL = "ftp://u:s3cr3t@idp.example"
	c.Auth.Mode = "external"
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Validate() = %v, want an error that does not repeat the secret", err)
	}
}

func TestLoadReturnsValidationErrors(t *testing.T) {
	_, err := Load([]string{"--store", "postgres"}, nil)
	if !hasLine(err, "store.postgres.dsn: required when store.driver=postgres") {
		t.Errorf("Load = %v, want the store.postgres.dsn problem", err)
	}
}

// testKEK is a well-formed store.key_encryption_key (32 zero bytes).
const testKEK = Secret("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
