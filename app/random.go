package app

import (
	"crypto/rand"
	"encoding/base64"
)

// randomToken returns 256 random bits, base64url: the form of every secret
// Gatehouse mints (codes, refresh tokens, client secrets, session ids, CSRF
// tokens). crypto/rand.Read never fails on supported platforms.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// randomID returns 128 random bits, base64url, for non-secret identifiers.
func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
