package domain

import (
	"log/slog"
	"time"
)

// User is a person who can log in at the built-in authorization server.
type User struct {
	Username     string
	PasswordHash string // argon2id, PHC string format
	Scopes       Scopes // the most this user may delegate
	// Disabled users cannot log in, and their grants stop refreshing.
	Disabled  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// LogValue keeps the password hash out of logs.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("username", u.Username), slog.String("scopes", u.Scopes.String()))
}

// Principal is the authenticated caller of a protected request: who, through
// which client, with which scopes, until when.
type Principal struct {
	Subject   string
	ClientID  string
	Scopes    Scopes
	Audience  []string
	Issuer    string
	TokenID   string // jti
	GrantID   string // family the token belongs to; "" for client credentials
	IssuedAt  time.Time
	ExpiresAt time.Time
	// Name and Email are the profile claims an external identity provider
	// put in the token, passed on to tools; empty when absent.
	Name  string
	Email string
}

// AccessTokenClaims is what the built-in issuer signs into an RFC 9068 JWT.
type AccessTokenClaims struct {
	Issuer    string
	Subject   string
	Audience  []string
	ClientID  string
	Scopes    Scopes
	TokenID   string
	GrantID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// SigningKey is a private signing key as kept by the key store: the JWK
// serialisation of the private key, its thumbprint id and its life.
type SigningKey struct {
	ID         string // RFC 7638 JWK thumbprint, also the JWT "kid"
	Algorithm  string // ES256 or RS256
	PrivateJWK []byte
	CreatedAt  time.Time
	// RetiredAt is set when a newer key takes over signing; the key stays
	// published until ExpiresAt so tokens it signed still verify.
	RetiredAt time.Time
	ExpiresAt time.Time // zero: never
}

// LogValue keeps private key material out of logs.
func (k SigningKey) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kid", k.ID), slog.String("alg", k.Algorithm))
}

// Session is a server-side session: a browser's login at the authorization
// server, or an MCP REST session. Its id is stored only as a hash and is never
// a credential on its own.
type Session struct {
	IDHash    string
	Kind      string // SessionBrowser or SessionMCP
	Subject   string
	ClientID  string
	CreatedAt time.Time
	LastUsed  time.Time
	ExpiresAt time.Time
}

const (
	SessionBrowser = "browser"
	SessionMCP     = "mcp"
)

// Slide extends the session's expiry to now+ttl when sliding expiry is on,
// never beyond maxAge from creation if maxAge is positive.
func (s Session) Slide(now time.Time, ttl, maxAge time.Duration) Session {
	s.LastUsed = now
	exp := now.Add(ttl)
	if maxAge > 0 && exp.After(s.CreatedAt.Add(maxAge)) {
		exp = s.CreatedAt.Add(maxAge)
	}
	if exp.After(s.ExpiresAt) {
		s.ExpiresAt = exp
	}
	return s
}

// ToolInvocation is one audited tool call.
type ToolInvocation struct {
	At        time.Time
	Subject   string
	ClientID  string
	Tool      string
	Transport string // "http", "rest", "stdio"
	Outcome   string // "ok", "error", "denied", "rate_limited"
	Reason    string // why it was denied or failed
	Duration  time.Duration
	Arguments map[string]any // only when configured
}
