// Package builtin is the built-in authorization server's token machinery:
// signing keys kept through ports.KeyStore, RFC 9068 access-token issuance,
// and verification of those tokens for the resources this server guards.
package builtin

import (
	"log/slog"
	"time"
)

// Signing algorithms the built-in issuer supports. ES256 is the default
// because it signs about twenty times faster than RS256; RS256 exists for
// resource servers that cannot verify ECDSA.
const (
	AlgES256 = "ES256"
	AlgRS256 = "RS256"
)

// Config configures keys, issuance and verification.
type Config struct {
	// Issuer is the exact iss claim: compared byte for byte, never normalised.
	Issuer string
	// Algorithm of newly generated keys: ES256 (default) or RS256.
	Algorithm string
	// Audiences accepted by the verifier: the canonical resource URL(s) this
	// server guards. Scheme and host compare case-insensitively and an empty
	// path equals "/" (RFC 8707, MCP canonical server URI). An empty list
	// accepts no token.
	Audiences []string
	// Leeway is the clock skew tolerated for exp, nbf and iat.
	Leeway time.Duration
	Clock  func() time.Time
	Logger *slog.Logger // nil: discard
}

func (c Config) withDefaults() Config {
	if c.Algorithm == "" {
		c.Algorithm = AlgES256
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
