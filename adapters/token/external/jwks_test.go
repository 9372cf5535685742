package external

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

func TestUnknownKidFloodFetchesOncePerInterval(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "real", jwa.ES256, true, 0)
	forger := newKey(t, "ec", "unused", jwa.ES256, false, 0)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock))
	if _, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if n := p.count("/keys"); n != 1 {
		t.Fatalf("initial JWKS fetches = %d, want 1", n)
	}
	tokens := make([]string, 100)
	for i := range tokens {
		tokens[i] = signWith(t, jwa.ES256, forger.priv, fmt.Sprintf("forged-%d", i), claimsFor(p.issuer, clock.Now()), nil)
	}
	flood := func() {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, len(tokens))
		for i, tok := range tokens {
			wg.Go(func() { _, errs[i] = v.VerifyAccessToken(t.Context(), tok) })
		}
		wg.Wait()
		for _, err := range errs {
			wantInvalid(t, err, "unknown signing key")
		}
	}

	clock.Advance(defaultMinRefreshInterval)
	flood()
	if n := p.count("/keys"); n != 2 {
		t.Fatalf("JWKS fetches after a flood = %d, want 2 (one refresh)", n)
	}
	flood()
	if n := p.count("/keys"); n != 2 {
		t.Fatalf("JWKS fetches after a second flood within the interval = %d, want 2", n)
	}
	clock.Advance(defaultMinRefreshInterval)
	flood()
	if n := p.count("/keys"); n != 3 {
		t.Fatalf("JWKS fetches after a flood in the next interval = %d, want 3", n)
	}
}

func TestProviderKeyRotationPickedUpByOneRefresh(t *testing.T) {
	clock := newClock()
	oldKey := newKey(t, "rsa", "2029", jwa.RS256, true, 0)
	newK := newKey(t, "rsa", "2030", jwa.RS256, true, 1)
	p := newProvider(t, "/", oldKey)
	v := newVerifier(t, p.config(clock))
	oldTok := oldKey.sign(t, claimsFor(p.issuer, clock.Now()), nil)
	if _, err := v.VerifyAccessToken(t.Context(), oldTok); err != nil {
		t.Fatalf("verify old: %v", err)
	}
	p.setKeys(newK)
	clock.Advance(time.Minute)
	before := p.count("/keys")
	if _, err := v.VerifyAccessToken(t.Context(), newK.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
		t.Fatalf("verify token of the rotated key: %v", err)
	}
	if n := p.count("/keys") - before; n != 1 {
		t.Errorf("JWKS fetches for the rotation = %d, want 1", n)
	}
	// The cached old token is not served once its key is gone.
	_, err := v.VerifyAccessToken(t.Context(), oldTok)
	wantInvalid(t, err, "unknown signing key")
}

func TestProviderOutageServesStaleThenFailsClosedThenRecovers(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	var logs bytes.Buffer
	cfg := p.config(clock)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	cfg.TokenCacheSize = -1
	v := newVerifier(t, cfg)
	c := claimsFor(p.issuer, clock.Now())
	c["exp"] = clock.Now().Add(24 * time.Hour).Unix()
	tok := k.sign(t, c, nil)
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify: %v", err)
	}

	p.setDown(true)
	clock.Advance(defaultCacheTTL + time.Minute) // expired, within the stale window
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify within the stale window: %v", err)
	}
	if !strings.Contains(logs.String(), "failed to fetch JWKS") {
		t.Errorf("no warning logged for the failed fetch:\n%s", logs.String())
	}

	clock.Advance(defaultStaleWindow) // past the stale window
	_, err := v.VerifyAccessToken(t.Context(), tok)
	wantUnavailable(t, err)
	if !strings.Contains(err.Error(), "failed to fetch JWKS") {
		t.Errorf("error %q does not say the JWKS fetch failed", err)
	}
	wantUnavailable(t, v.Ready(t.Context()))

	p.setDown(false)
	clock.Advance(defaultMinRefreshInterval)
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify after the provider returned: %v", err)
	}
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after the provider returned: %v", err)
	}
}

func TestCachedTokenFailsClosedPastStaleWindow(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock))
	c := claimsFor(p.issuer, clock.Now())
	c["exp"] = clock.Now().Add(24 * time.Hour).Unix()
	tok := k.sign(t, c, nil)
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify: %v", err)
	}
	p.setDown(true)
	clock.Advance(defaultCacheTTL + defaultStaleWindow + time.Second)
	_, err := v.VerifyAccessToken(t.Context(), tok)
	wantUnavailable(t, err)
}

func TestProviderNeverReachedIsUnavailable(t *testing.T) {
	clock := newClock()
	p := newProvider(t, "/")
	p.setDown(true)
	v := newVerifier(t, p.config(clock))
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	wantUnavailable(t, v.Ready(t.Context()))
	_, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil))
	wantUnavailable(t, err)
}

func TestJWKSKeysNotForSignatureIgnored(t *testing.T) {
	clock := newClock()
	sig := newKey(t, "ec", "sig", jwa.ES256, true, 0)
	enc := newKey(t, "ec", "enc", jwa.ES256, false, 0)
	must(t, enc.pub.Set(jwk.KeyUsageKey, jwk.ForEncryption))
	ops := newKey(t, "ec", "ops", jwa.ES256, false, 0)
	must(t, ops.pub.Remove(jwk.KeyUsageKey))
	must(t, ops.pub.Set(jwk.KeyOpsKey, jwk.KeyOperationList{jwk.KeyOpEncrypt}))
	p := newProvider(t, "/", sig, enc, ops)
	// A symmetric key under a kid must never become usable.
	p.mu.Lock()
	var set map[string][]json.RawMessage
	must(t, json.Unmarshal(p.jwks, &set))
	set["keys"] = append(set["keys"], json.RawMessage(`{"kty":"oct","kid":"hmac","k":"c2VjcmV0"}`))
	b, err := json.Marshal(set)
	must(t, err)
	p.jwks = b
	p.mu.Unlock()
	v := newVerifier(t, p.config(clock))

	if _, err := v.VerifyAccessToken(t.Context(), sig.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
		t.Fatalf("verify with the signature key: %v", err)
	}
	for _, k := range []testKey{enc, ops} {
		_, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil))
		wantInvalid(t, err, "unknown signing key")
	}
}

func TestStartFetchesInBackgroundAndCloseStops(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock))
	v.Start(t.Context())
	v.Start(t.Context()) // a second Start is a no-op
	deadline := time.Now().Add(10 * time.Second)
	for p.count("/keys") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("Start did not fetch the JWKS")
		}
		time.Sleep(5 * time.Millisecond)
	}
	v.Close()
	v.Close()
	if _, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if n := p.count("/keys"); n != 1 {
		t.Errorf("JWKS fetches = %d, want 1 (the background one)", n)
	}
}
