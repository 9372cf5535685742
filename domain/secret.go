package domain

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// HashSecret returns the hex SHA-256 of a high-entropy secret Gatehouse
// generated (codes, refresh tokens, client secrets, session ids). A fast hash
// is right for these: they carry ≥256 random bits, so there is nothing to
// brute-force, and a slow hash on the token endpoint would cap issuance.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// SecretMatches compares a presented secret to a stored hash in constant time.
func SecretMatches(presented, storedHash string) bool {
	got := HashSecret(presented)
	return subtle.ConstantTimeCompare([]byte(got), []byte(storedHash)) == 1
}
