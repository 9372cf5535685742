package domain

import "time"

// Grant is one authorization a user (or a client for itself) gave a client:
// the root of a family of codes, refresh tokens and access tokens. Revoking
// the grant revokes the whole family.
type Grant struct {
	ID        string
	ClientID  string
	Subject   string
	Scopes    Scopes
	Resource  string // RFC 8707 resource the tokens are bound to ("" = none)
	CreatedAt time.Time
	// ExpiresAt bounds the family's life (the refresh token lifetime).
	ExpiresAt time.Time
	RevokedAt time.Time // zero while active
}

// Active reports whether the grant can still mint tokens at now.
func (g Grant) Active(now time.Time) bool {
	return g.RevokedAt.IsZero() && now.Before(g.ExpiresAt)
}

// AuthCode is an authorization code, stored only by the hash of its value.
// It is bound to the client, redirect URI, PKCE challenge and resource it was
// issued for (OAuth 2.1 §4.1.3).
type AuthCode struct {
	Hash        string
	GrantID     string
	ClientID    string
	Subject     string
	RedirectURI string
	// RedirectURIGiven: the authorization request named the redirect URI,
	// so the token request must repeat it (RFC 6749 §4.1.3).
	RedirectURIGiven bool
	CodeChallenge    string
	Scopes           Scopes
	Resource         string
	ExpiresAt        time.Time
	UsedAt           time.Time // zero until redeemed
}

// RefreshToken is one link of a grant's rotation chain, stored by hash.
// Once rotated it stays on record so that a second use is recognised as
// reuse (RFC 9700 §4.14.2) until the grant expires.
type RefreshToken struct {
	Hash      string
	GrantID   string
	ClientID  string
	Scopes    Scopes
	ExpiresAt time.Time
	RotatedAt time.Time // zero while current
	// Successor is the hash of the token that replaced this one, and
	// SealedSuccessor that token's value encrypted under a key only this
	// token's own value yields, so that a retry within the grace period can
	// be given the same successor without the store ever holding it in clear.
	Successor       string
	SealedSuccessor []byte
	// GraceUsedAt is when the one presentation allowed after rotation was
	// spent; zero while unspent.
	GraceUsedAt time.Time
}

// AuthRequest is an authorization request between its arrival at
// /auth/authorize and the redirect back: validated parameters, the user once
// logged in, and the anti-CSRF token of the consent form. It is bound to the
// browser that started it by the hash of a cookie value.
type AuthRequest struct {
	ID               string
	ClientID         string
	RedirectURI      string
	RedirectURIGiven bool
	State            string
	CodeChallenge    string
	Scopes           Scopes
	Resource         string
	BrowserHash      string
	CSRFHash         string
	Subject          string // set after login
	ExpiresAt        time.Time
}

// Consent records that a user let a client have the given scopes.
type Consent struct {
	Subject   string
	ClientID  string
	Scopes    Scopes
	GrantedAt time.Time
}

// Covers reports whether the consent already includes every requested scope.
func (c Consent) Covers(requested Scopes) bool { return c.Scopes.Contains(requested) }
