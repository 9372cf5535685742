// Package config defines Gatehouse's configuration, loads it (defaults, YAML
// file, GATEHOUSE_ environment, flags) and validates it.
package config

import "time"

// Secret is a configuration string that never prints.
type Secret string

// String redacts the value in logs and error messages.
func (Secret) String() string { return "[REDACTED]" }

// GoString redacts the value under %#v as well.
func (Secret) GoString() string { return "[REDACTED]" }

// MarshalText redacts the value when the configuration is encoded (JSON,
// YAML), so that printing a loaded configuration cannot leak it.
func (Secret) MarshalText() ([]byte, error) { return []byte("[REDACTED]"), nil }

// Reveal returns the actual value; call it only where the secret is used.
func (s Secret) Reveal() string { return string(s) }

// Config is the whole configuration, loaded once at start-up.
type Config struct {
	// Dev turns on development mode: demo users and clients, loud banner.
	Dev       bool       `koanf:"dev"`
	Log       Log        `koanf:"log"`
	Server    Server     `koanf:"server"`
	Auth      Auth       `koanf:"auth"`
	RateLimit RateLimit  `koanf:"ratelimit"`
	Store     Store      `koanf:"store"`
	Sessions  Sessions   `koanf:"sessions"`
	Tools     Tools      `koanf:"tools"`
	Upstreams []Upstream `koanf:"upstreams"`
	Telemetry Telemetry  `koanf:"telemetry"`
	Audit     Audit      `koanf:"audit"`
}

type Log struct {
	Level  string `koanf:"level"`  // debug | info | warn | error
	Format string `koanf:"format"` // text | json
}

type Server struct {
	Listen  string `koanf:"listen"`
	BaseURL string `koanf:"base_url"`
	// AllowedOrigins are the browser origins allowed to call /mcp (DNS
	// rebinding protection); the base URL's origin is always allowed.
	AllowedOrigins []string `koanf:"allowed_origins"`
	CORSOrigins    []string `koanf:"cors_origins"`
	IPAllowlist    []string `koanf:"ip_allowlist"`
	// MCPIPAllowlist and OAuthIPAllowlist narrow access further for the
	// MCP endpoint (and REST API) and for the authorization server.
	MCPIPAllowlist   []string `koanf:"mcp_ip_allowlist"`
	OAuthIPAllowlist []string `koanf:"oauth_ip_allowlist"`
	TLS              TLS      `koanf:"tls"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed when
	// deciding the client IP (rate limits, allow-list).
	TrustedProxies  []string      `koanf:"trusted_proxies"`
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
}

type TLS struct {
	CertFile string `koanf:"cert_file"`
	KeyFile  string `koanf:"key_file"`
}

type Auth struct {
	Mode     string   `koanf:"mode"` // builtin | external
	Builtin  Builtin  `koanf:"builtin"`
	External External `koanf:"external"`
}

type Builtin struct {
	// Issuer defaults to server.base_url.
	Issuer          string        `koanf:"issuer"`
	AccessTokenTTL  time.Duration `koanf:"access_token_ttl"`
	RefreshTokenTTL time.Duration `koanf:"refresh_token_ttl"`
	CodeTTL         time.Duration `koanf:"code_ttl"`
	// AuthRequestTTL bounds how long a user may take to log in and consent.
	AuthRequestTTL  time.Duration `koanf:"auth_request_ttl"`
	LoginSessionTTL time.Duration `koanf:"login_session_ttl"`
	SigningAlg      string        `koanf:"signing_alg"` // ES256 | RS256
	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	Leeway time.Duration `koanf:"leeway"`
	// KeyRotationInterval: a new signing key after this long (0: only by
	// `gatehouse keys rotate`).
	KeyRotationInterval time.Duration `koanf:"key_rotation_interval"`
	// KeyReloadInterval: how often a running server re-reads the signing
	// keys, to pick up keys added or retired by another replica or by
	// `gatehouse keys rotate`.
	KeyReloadInterval time.Duration `koanf:"key_reload_interval"`
	// RequirePKCE must stay true: OAuth 2.1 requires PKCE for every client.
	RequirePKCE        bool           `koanf:"require_pkce"`
	AllowPublicClients bool           `koanf:"allow_public_clients"`
	Scopes             []string       `koanf:"scopes"`
	Registration       Registration   `koanf:"registration"`
	ClientMetadata     ClientMetadata `koanf:"client_metadata"`
	Users              []User         `koanf:"users"`
	// IntrospectionClients may introspect any token (resource servers);
	// every other confidential client only tokens issued to itself.
	IntrospectionClients []string       `koanf:"introspection_clients"`
	Clients              []StaticClient `koanf:"clients"`
	// KeyFile keeps the signing keys in a local file instead of the store,
	// so serve, stdio and token on one machine share them. In development
	// mode with the memory store it defaults to a file in the user's cache
	// directory.
	KeyFile string `koanf:"key_file"`
	// RefreshGrace lets a just-rotated refresh token be presented once more
	// within this long and get the same successor, for replicas or clients
	// that race their own refreshes (0: never, as RFC 9700 prefers).
	RefreshGrace time.Duration `koanf:"refresh_grace"`
	// DemoUsersAllowRemote lets development mode's demo users serve on a
	// non-loopback listen address.
	DemoUsersAllowRemote bool `koanf:"demo_users_allow_remote"`
	// LoginAttempts is how many failed logins a username, and a client IP,
	// may have within LoginWindow before further attempts are refused until
	// the window ends (0: no throttling).
	LoginAttempts int           `koanf:"login_attempts"`
	LoginWindow   time.Duration `koanf:"login_window"`
}

type Registration struct {
	Policy string `koanf:"policy"` // open | token | off
	// Token is the initial access token required when policy=token.
	Token Secret `koanf:"token"`
	// Scopes caps what a dynamically registered client may ask for.
	Scopes []string `koanf:"scopes"`
}

type ClientMetadata struct {
	// Enabled turns on Client ID Metadata Documents.
	Enabled bool `koanf:"enabled"`
	// AllowHosts names hosts (host or host:port) that may resolve to private
	// or loopback addresses; everything else must be public.
	AllowHosts []string      `koanf:"allow_hosts"`
	CacheTTL   time.Duration `koanf:"cache_ttl"`
	Timeout    time.Duration `koanf:"timeout"`
	// AllowHTTP permits http:// document URLs for allow-listed hosts (tests).
	AllowHTTP bool `koanf:"allow_http"`
}

type User struct {
	Username string `koanf:"username"`
	// Password is hashed with argon2id at start-up; PasswordHash (PHC
	// format) may be given instead.
	Password     Secret   `koanf:"password"`
	PasswordHash string   `koanf:"password_hash"`
	Scopes       []string `koanf:"scopes"`
}

type StaticClient struct {
	ID           string   `koanf:"id"`
	Secret       Secret   `koanf:"secret"`
	Name         string   `koanf:"name"`
	RedirectURIs []string `koanf:"redirect_uris"`
	GrantTypes   []string `koanf:"grant_types"`
	Scopes       []string `koanf:"scopes"`
}

type External struct {
	IssuerURL string `koanf:"issuer_url"`
	Audience  string `koanf:"audience"`
	JWKSURL   string `koanf:"jwks_url"`
	// JWKSFile is a static key set for sites that cannot reach the
	// provider; no network is used then.
	JWKSFile       string   `koanf:"jwks_file"`
	Algorithms     []string `koanf:"algorithms"`
	RequiredScopes []string `koanf:"required_scopes"`
	// ScopeClaim is a further claim scopes are read from, besides scope
	// and scp: "permissions" (Auth0 RBAC), "roles" (Azure AD app roles).
	ScopeClaim  string `koanf:"scope_claim"`
	ValidateExp bool   `koanf:"validate_exp"`
	ValidateAud bool   `koanf:"validate_aud"`
	ValidateIss bool   `koanf:"validate_iss"`
	// RequireTyp accepts only RFC 9068 access tokens (typ at+jwt).
	RequireTyp   bool          `koanf:"require_typ"`
	Leeway       time.Duration `koanf:"leeway"`
	JWKSCacheTTL time.Duration `koanf:"jwks_cache_ttl"`
	// JWKSStaleWindow is how long past its TTL the last good key set keeps
	// serving while the provider cannot be reached; then requests fail
	// closed with 503.
	JWKSStaleWindow time.Duration `koanf:"jwks_stale_window"`
	// JWKSMinRefreshInterval throttles refreshes caused by unknown key
	// ids, so forged tokens cannot hammer the provider.
	JWKSMinRefreshInterval time.Duration `koanf:"jwks_min_refresh_interval"`
	// ClientID and ClientSecret authenticate Gatehouse to the provider
	// (token introspection), as in the M3 seed.
	ClientID      string        `koanf:"client_id"`
	ClientSecret  Secret        `koanf:"client_secret"`
	Introspection Introspection `koanf:"introspection"`
}

type Introspection struct {
	URL          string `koanf:"url"`
	ClientID     string `koanf:"client_id"`
	ClientSecret Secret `koanf:"client_secret"`
}

type RateLimit struct {
	Enabled bool `koanf:"enabled"`
	// Driver is where counters live: "" follows store.driver, so replicas
	// share limits; memory keeps them per process.
	Driver string `koanf:"driver"`
	// Requests per Window for tool calls, per subject.
	Requests int           `koanf:"requests"`
	Window   time.Duration `koanf:"window"`
	// OAuth endpoints (/auth/token, /auth/authorize, /auth/register), per
	// client IP.
	OAuthRequests int           `koanf:"oauth_requests"`
	OAuthWindow   time.Duration `koanf:"oauth_window"`
}

type Store struct {
	Driver string `koanf:"driver"` // memory | redis | postgres
	// KeyEncryptionKey (base64 of 32 bytes) encrypts signing private keys
	// kept in Redis or Postgres (AES-256-GCM).
	KeyEncryptionKey Secret   `koanf:"key_encryption_key"`
	Redis            Redis    `koanf:"redis"`
	Postgres         Postgres `koanf:"postgres"`
}

type Redis struct {
	URL Secret `koanf:"url"`
	// Prefix starts every key, so deployments can share a Redis.
	Prefix string `koanf:"prefix"`
}

type Postgres struct {
	DSN         Secret `koanf:"dsn"`
	AutoMigrate bool   `koanf:"auto_migrate"`
}

type Sessions struct {
	TTL        time.Duration `koanf:"ttl"`
	MaxPerUser int           `koanf:"max_per_user"`
	Sliding    bool          `koanf:"sliding"`
	// MaxAge caps a sliding session's total life (0: no cap).
	MaxAge time.Duration `koanf:"max_age"`
}

type Tools struct {
	DefaultScopes []string            `koanf:"default_scopes"`
	Policy        []ToolRule          `koanf:"policy"`
	Implications  map[string][]string `koanf:"implications"`
}

type ToolRule struct {
	Match  string   `koanf:"match"`
	Scopes []string `koanf:"scopes"`
}

type Upstream struct {
	Name string `koanf:"name"`
	// Prefix is put before every exported tool and prompt name. Unset, it
	// is "<name>_"; set to "", names pass unchanged.
	Prefix  *string        `koanf:"prefix"`
	Stdio   *UpstreamStdio `koanf:"stdio"`
	HTTP    *UpstreamHTTP  `koanf:"http"`
	Include []string       `koanf:"include"`
	Exclude []string       `koanf:"exclude"`
	// Lazy defers connecting until the first MCP request that needs the
	// upstream's features; by default it is connected at start-up.
	Lazy bool `koanf:"lazy"`
	// Timeout bounds each call to the upstream (default 60s).
	Timeout time.Duration `koanf:"timeout"`
	// MaxConcurrency caps the calls in flight to the upstream (default 8).
	MaxConcurrency int `koanf:"max_concurrency"`
	// ForwardCaller puts the caller's subject, client and scopes in each
	// forwarded request's _meta, for the upstream's own audit.
	ForwardCaller bool `koanf:"forward_caller"`
	// ReadScopes are what a caller needs to read the upstream's resources,
	// get its prompts or ask it for completions (default: read).
	ReadScopes []string `koanf:"read_scopes"`
	// Protocol is the MCP revision spoken to the upstream: 2025-11-25 (the
	// default) or 2026-07-28. An HTTP upstream also gets a 2026-07-28
	// session for callers of that revision when it speaks it.
	Protocol string `koanf:"protocol"`
}

type UpstreamStdio struct {
	Command string            `koanf:"command"`
	Args    []string          `koanf:"args"`
	Cwd     string            `koanf:"cwd"`
	Env     map[string]string `koanf:"env"`
	// EnvPassthrough names variables of Gatehouse's own environment the
	// child may see; nothing else of it is passed.
	EnvPassthrough []string `koanf:"env_passthrough"`
}

type UpstreamHTTP struct {
	URL string `koanf:"url"`
	// Headers are sent with every request; credentials belong in
	// bearer_env or client_credentials, which read them from the
	// environment.
	Headers           map[string]string          `koanf:"headers"`
	BearerEnv         string                     `koanf:"bearer_env"`
	ClientCredentials *UpstreamClientCredentials `koanf:"client_credentials"`
}

type UpstreamClientCredentials struct {
	TokenURL        string `koanf:"token_url"`
	ClientID        string `koanf:"client_id"`
	ClientSecretEnv string `koanf:"client_secret_env"`
	Scope           string `koanf:"scope"`
}

type Telemetry struct {
	OTLPEndpoint string `koanf:"otlp_endpoint"`
	Metrics      bool   `koanf:"metrics"`
}

type Audit struct {
	// RingSize is how many recent invocations the memory ring keeps.
	RingSize int `koanf:"ring_size"`
	// LogArguments records tool argument values (off: names only).
	LogArguments bool `koanf:"log_arguments"`
}
