package builtin

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
)

func BenchmarkIssue(b *testing.B) {
	for _, alg := range []string{AlgES256, AlgRS256} {
		b.Run(alg, func(b *testing.B) {
			e := newEnv(b, alg)
			c := e.claims()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.issuer.IssueAccessToken(ctx, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify is bearer-token verification as every request pays it:
// "warm" finds the token in the verified-token cache; "cold" misses the
// cache (its entry is dropped before each call), verifies the signature and
// claims and stores the result; "uncached" has no cache at all; "forged"
// carries a valid header and claims with a signature of the wrong key,
// which is what an attacker can make the server check.
func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{AlgES256, AlgRS256} {
		b.Run(alg+"/warm", func(b *testing.B) {
			e := newEnv(b, alg)
			tok := e.mustIssue(b, e.claims())
			verifyLoop(b, e, tok, nil)
		})
		b.Run(alg+"/cold", func(b *testing.B) {
			e := newEnv(b, alg)
			tok := e.mustIssue(b, e.claims())
			sum := sha256.Sum256([]byte(tok))
			verifyLoop(b, e, tok, func() {
				e.verify.cache.mu.Lock()
				delete(e.verify.cache.entries, sum)
				e.verify.cache.mu.Unlock()
			})
		})
		b.Run(alg+"/uncached", func(b *testing.B) {
			e := newEnv(b, alg)
			e.verify.cache = nil
			verifyLoop(b, e, e.mustIssue(b, e.claims()), nil)
		})
		b.Run(alg+"/forged", func(b *testing.B) {
			e := newEnv(b, alg)
			other := newEnv(b, alg)
			good := e.mustIssue(b, e.claims())
			// The other key set's signature under this set's kid.
			sig := other.mustIssue(b, other.claims())
			forged := good[:strings.LastIndexByte(good, '.')] + sig[strings.LastIndexByte(sig, '.'):]
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.verify.VerifyAccessToken(ctx, forged); err == nil {
					b.Fatal("forged token verified")
				}
			}
		})
	}
}

// verifyLoop verifies tok b.N times; before, when set, runs before each call.
func verifyLoop(b *testing.B, e *env, tok string, before func()) {
	b.Helper()
	ctx := context.Background()
	if _, err := e.verify.VerifyAccessToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if before != nil {
			before()
		}
		if _, err := e.verify.VerifyAccessToken(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
