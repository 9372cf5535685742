package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// PKCEMethodS256 is the only code_challenge_method Gatehouse accepts; "plain"
// offers no protection against a leaked authorization request.
const PKCEMethodS256 = "S256"

// ValidateCodeChallenge checks an S256 challenge as sent to the authorization
// endpoint: 43 base64url characters (a SHA-256 digest without padding).
func ValidateCodeChallenge(challenge, method string) error {
	if challenge == "" {
		return ErrInvalidRequest("code_challenge is required (PKCE S256)")
	}
	if method != PKCEMethodS256 {
		return ErrInvalidRequest("code_challenge_method must be S256")
	}
	if len(challenge) != 43 || !isUnreserved(challenge) {
		return ErrInvalidRequest("code_challenge must be a base64url SHA-256 digest")
	}
	return nil
}

// VerifyPKCE checks a code_verifier against the stored S256 challenge
// (RFC 7636 §4.6), in constant time.
func VerifyPKCE(verifier, challenge string) error {
	if len(verifier) < 43 || len(verifier) > 128 || !isUnreserved(verifier) {
		return ErrInvalidGrant("code_verifier must be 43-128 unreserved characters")
	}
	sum := sha256.Sum256([]byte(verifier))
	got := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(got), []byte(challenge)) != 1 {
		return ErrInvalidGrant("code_verifier does not match code_challenge")
	}
	return nil
}

// isUnreserved reports whether s uses only RFC 3986 unreserved characters,
// the alphabet of verifiers and of base64url challenges.
func isUnreserved(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
