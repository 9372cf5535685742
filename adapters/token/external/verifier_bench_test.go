package external

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

// BenchmarkVerify is an external provider's JWT checked as every request
// pays it, with the keys from a JWKS file (no network): "warm" is answered
// by the verified-token cache, "cold" misses it (the entry is dropped
// before each call) and verifies signature and claims, "uncached" runs with
// the cache off.
func BenchmarkVerify(b *testing.B) {
	for _, kind := range []struct {
		name string
		kind string
		alg  jwa.SignatureAlgorithm
	}{{"ES256", "ec", jwa.ES256}, {"RS256", "rsa", jwa.RS256}} {
		k := newKey(b, kind.kind, "k1", kind.alg, true, 0)
		file := filepath.Join(b.TempDir(), "jwks.json")
		must(b, os.WriteFile(file, jwksJSON(b, k), 0o600))
		clock := newClock()
		cfg := Config{
			IssuerURL: "https://idp.example", JWKSFile: file, Audience: testAudience,
			ValidateExp: true, ValidateAud: true, ValidateIss: true, Clock: clock.Now,
		}
		tok := k.sign(b, claimsFor(cfg.IssuerURL, clock.Now()), nil)
		b.Run(kind.name+"/warm", func(b *testing.B) {
			verifyLoop(b, newVerifier(b, cfg), tok, nil)
		})
		b.Run(kind.name+"/cold", func(b *testing.B) {
			v := newVerifier(b, cfg)
			sum := sha256.Sum256([]byte(tok))
			verifyLoop(b, v, tok, func() {
				v.tokens.mu.Lock()
				delete(v.tokens.entries, sum)
				v.tokens.mu.Unlock()
			})
		})
		b.Run(kind.name+"/uncached", func(b *testing.B) {
			off := cfg
			off.TokenCacheSize = -1
			verifyLoop(b, newVerifier(b, off), tok, nil)
		})
	}
}

// verifyLoop verifies tok b.N times; before, when set, runs before each call.
func verifyLoop(b *testing.B, v *Verifier, tok string, before func()) {
	b.Helper()
	ctx := context.Background()
	if _, err := v.VerifyAccessToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if before != nil {
			before()
		}
		if _, err := v.VerifyAccessToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
