package builtin

import (
	"context"
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

func BenchmarkVerify(b *testing.B) {
	for _, alg := range []string{AlgES256, AlgRS256} {
		for _, cached := range []bool{false, true} {
			name := alg + "/uncached"
			if cached {
				name = alg + "/cached"
			}
			b.Run(name, func(b *testing.B) {
				e := newEnv(b, alg)
				if !cached {
					e.verify.cache = nil
				}
				tok := e.mustIssue(b, e.claims())
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := e.verify.VerifyAccessToken(ctx, tok); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
