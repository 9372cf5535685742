package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
)

// signedES256 is a real ES256 token with kid and claims, signed by a key
// the forger never sees.
func signedES256(t *testing.T) (string, *ecdsa.PublicKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "ES256", "kid": "k1", "typ": "at+jwt"}) + "." +
		enc(map[string]any{"iss": "http://127.0.0.1", "sub": "alice", "aud": "http://127.0.0.1/mcp", "exp": 4102444800, "jti": "real"})
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig), &key.PublicKey
}

func TestForgerKeepsEverythingButTheKey(t *testing.T) {
	tok, pub := signedES256(t)
	f, err := newForger(tok)
	if err != nil {
		t.Fatal(err)
	}
	real := strings.Split(tok, ".")
	var realClaims map[string]any
	if err := decodeSegment(real[1], &realClaims); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 3 {
		forged := f.next()
		parts := strings.Split(forged, ".")
		if len(parts) != 3 {
			t.Fatalf("forged %q is not a compact JWS", forged)
		}
		if parts[0] != real[0] {
			t.Errorf("header %q, want the real one %q", parts[0], real[0])
		}
		var claims map[string]any
		if err := decodeSegment(parts[1], &claims); err != nil {
			t.Fatalf("forged claims do not parse: %v", err)
		}
		jti, _ := claims["jti"].(string)
		if jti == "" || jti == "real" || seen[jti] {
			t.Errorf("jti %q: want a fresh one each time", jti)
		}
		seen[jti] = true
		for k, v := range realClaims {
			if k != "jti" && claims[k] != v {
				t.Errorf("claim %s = %v, want the real %v", k, claims[k], v)
			}
		}
		sig, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil || len(sig) != 64 {
			t.Fatalf("signature of %d bytes (%v), want 64", len(sig), err)
		}
		sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
		if ecdsa.VerifyASN1(pub, sum[:], sig) || verifyRaw(pub, sum[:], sig) {
			t.Error("a forged token verifies under the real key")
		}
	}
}

func verifyRaw(pub *ecdsa.PublicKey, digest, sig []byte) bool {
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(pub, digest, r, s)
}

func TestForgerRefusesNonTokens(t *testing.T) {
	for _, tok := range []string{"", "a.b", "not base64.e30.c2ln", "e30.bm90IGpzb24.c2ln"} {
		if _, err := newForger(tok); err == nil {
			t.Errorf("newForger(%q) succeeded, want an error", tok)
		}
	}
}
