package builtin

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
	"gatehouse/ports"
)

// wantInvalid fails unless err is invalid_token with the given description.
func wantInvalid(t *testing.T, err error, desc string) {
	t.Helper()
	if !errors.Is(err, domain.ErrInvalidToken("")) {
		t.Fatalf("err = %v, want invalid_token %q", err, desc)
	}
	var oe *domain.OAuthError
	if !errors.As(err, &oe) || oe.Description != desc {
		t.Fatalf("err = %v, want description %q", err, desc)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range []string{AlgES256, AlgRS256} {
		t.Run(alg, func(t *testing.T) {
			e := newEnv(t, alg)
			c := e.claims()
			got, err := e.verify.VerifyAccessToken(t.Context(), e.mustIssue(t, c))
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			want := domain.Principal{
				Subject:   "alice",
				ClientID:  "client-1",
				Scopes:    domain.NewScopes("tools:call", "tools:read"),
				Audience:  []string{testResource},
				Issuer:    testIssuer,
				TokenID:   "jti-1",
				GrantID:   "grant-1",
				IssuedAt:  c.IssuedAt,
				ExpiresAt: c.ExpiresAt,
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	e := newEnv(t, AlgES256)
	e.verify.cache = nil
	now := e.clock.Now()
	with := func(changes map[string]any) map[string]any {
		c := e.rawClaims()
		for k, v := range changes {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		return c
	}
	kid := e.keys.signingKey(now).rec.ID
	valid := e.mustIssue(t, e.claims())
	parts := strings.Split(valid, ".")
	other := newEnv(t, AlgES256) // same issuer and audience, different key

	pub := e.keys.signingKey(now).publicJWK
	hsHeader := b64(map[string]any{"alg": "HS256", "typ": "at+jwt", "kid": kid})
	hsPayload := b64(e.rawClaims())
	mac := hmac.New(sha256.New, pub)
	mac.Write([]byte(hsHeader + "." + hsPayload))
	hs256 := hsHeader + "." + hsPayload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))

	sig := []byte(parts[2])
	// Another base64url letter inside the segment changes the decoded bytes.
	if sig[10] == 'A' {
		sig[10] = 'B'
	} else {
		sig[10] = 'A'
	}

	tests := []struct {
		name  string
		token string
		desc  string
	}{
		{"empty", "", "malformed token"},
		{"garbage", "not a token", "malformed token"},
		{"two segments", parts[0] + "." + parts[1], "malformed token"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], "malformed token"},
		{"json serialization", `{"payload":"` + parts[1] + `"}`, "malformed token"},
		{"alg none", b64(map[string]any{"alg": "none", "typ": "at+jwt", "kid": kid}) + "." + parts[1] + ".", "algorithm not allowed"},
		{"HS256 keyed with the public key", hs256, "algorithm not allowed"},
		{"RS256 header on an ES256 key", e.signRaw(t, map[string]any{"alg": "RS256"}, e.rawClaims()), "algorithm not allowed"},
		{"tampered signature", parts[0] + "." + parts[1] + "." + string(sig), "bad signature"},
		{"tampered payload", parts[0] + "." + b64(with(map[string]any{"sub": "mallory"})) + "." + parts[2], "bad signature"},
		{"unknown key", other.mustIssue(t, other.claims()), "unknown signing key"},
		{"missing kid", e.signRaw(t, map[string]any{"kid": ""}, e.rawClaims()), "missing key id"},
		{"typ JWT", e.signRaw(t, map[string]any{"typ": "JWT"}, e.rawClaims()), "wrong token type"},
		{"typ missing", e.signRaw(t, map[string]any{"typ": ""}, e.rawClaims()), "wrong token type"},
		{"critical header", e.signRaw(t, map[string]any{"crit": []string{"exp"}, "exp": 1}, e.rawClaims()), "unsupported critical header"},
		{"wrong issuer", e.signRaw(t, nil, with(map[string]any{"iss": "https://evil.example.com"})), "wrong issuer"},
		{"issuer differs in case", e.signRaw(t, nil, with(map[string]any{"iss": "https://AUTH.example.com"})), "wrong issuer"},
		{"wrong audience", e.signRaw(t, nil, with(map[string]any{"aud": "https://other.example.com/mcp"})), "wrong audience"},
		{"audience path differs", e.signRaw(t, nil, with(map[string]any{"aud": testResource + "/"})), "wrong audience"},
		{"no audience", e.signRaw(t, nil, with(map[string]any{"aud": nil})), "wrong audience"},
		{"missing exp", e.signRaw(t, nil, with(map[string]any{"exp": nil})), "missing exp"},
		{"expired beyond leeway", e.signRaw(t, nil, with(map[string]any{"exp": now.Add(-31 * time.Second).Unix()})), "token expired"},
		{"not yet valid", e.signRaw(t, nil, with(map[string]any{"nbf": now.Add(2 * time.Minute).Unix()})), "token not yet valid"},
		{"issued in the future", e.signRaw(t, nil, with(map[string]any{"iat": now.Add(2 * time.Minute).Unix()})), "token issued in the future"},
		{"missing sub", e.signRaw(t, nil, with(map[string]any{"sub": nil})), "missing sub"},
		{"exp not a number", e.signRaw(t, nil, with(map[string]any{"exp": "tomorrow"})), "malformed claims"},
		{"aud not a string", e.signRaw(t, nil, with(map[string]any{"aud": 42})), "malformed claims"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := e.verify.VerifyAccessToken(t.Context(), tt.token)
			if err == nil {
				t.Fatalf("accepted, principal %+v", p)
			}
			wantInvalid(t, err, tt.desc)
			if errors.Is(err, ports.ErrUnavailable) {
				t.Errorf("err = %v, must not be ErrUnavailable", err)
			}
		})
	}
}

func TestVerifyAccepts(t *testing.T) {
	e := newEnv(t, AlgES256)
	e.verify.cache = nil
	now := e.clock.Now()
	with := func(changes map[string]any) map[string]any {
		c := e.rawClaims()
		for k, v := range changes {
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name   string
		header map[string]any
		claims map[string]any
		scopes domain.Scopes
	}{
		{"typ media type", map[string]any{"typ": "application/at+jwt"}, e.rawClaims(), domain.NewScopes("tools:call", "tools:read")},
		{"typ upper case", map[string]any{"typ": "AT+JWT"}, e.rawClaims(), domain.NewScopes("tools:call", "tools:read")},
		{"audience scheme and host case", nil, with(map[string]any{"aud": "HTTPS://MCP.Example.COM/mcp"}), domain.NewScopes("tools:call", "tools:read")},
		{"audience array", nil, with(map[string]any{"aud": []string{"https://other.example.com", testResource}}), domain.NewScopes("tools:call", "tools:read")},
		{"expired within leeway", nil, with(map[string]any{"exp": now.Add(-29 * time.Second).Unix()}), domain.NewScopes("tools:call", "tools:read")},
		{"nbf within leeway", nil, with(map[string]any{"nbf": now.Add(29 * time.Second).Unix()}), domain.NewScopes("tools:call", "tools:read")},
		{"fractional dates", nil, with(map[string]any{"exp": float64(now.Unix()) + 60.5, "iat": float64(now.Unix()) - 0.25}), domain.NewScopes("tools:call", "tools:read")},
		{"scp array", nil, with(map[string]any{"scope": nil, "scp": []string{"b", "a"}}), domain.NewScopes("a", "b")},
		{"no scope", nil, with(map[string]any{"scope": nil}), domain.Scopes{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.claims["scope"] == nil {
				delete(tt.claims, "scope")
			}
			p, err := e.verify.VerifyAccessToken(t.Context(), e.signRaw(t, tt.header, tt.claims))
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			if diff := cmp.Diff(tt.scopes, p.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyExpiryWithClock(t *testing.T) {
	e := newEnv(t, AlgES256)
	c := e.claims()
	c.ExpiresAt = c.IssuedAt.Add(5 * time.Minute)
	tok := e.mustIssue(t, c)
	if _, err := e.verify.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	e.clock.Advance(5*time.Minute + 29*time.Second)
	if _, err := e.verify.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("token within leeway: %v", err)
	}
	e.clock.Advance(time.Second)
	_, err := e.verify.VerifyAccessToken(t.Context(), tok)
	wantInvalid(t, err, "token expired")
}

func TestVerifyNoAudiencesAcceptsNothing(t *testing.T) {
	e := newEnv(t, AlgES256)
	cfg := e.cfg
	cfg.Audiences = nil
	_, err := NewVerifier(e.keys, cfg).VerifyAccessToken(t.Context(), e.mustIssue(t, e.claims()))
	wantInvalid(t, err, "wrong audience")
}

func TestVerifyUnknownKidReloadsOnce(t *testing.T) {
	a := newEnv(t, AlgES256)
	// b is another replica over the same store.
	b := NewKeyManager(a.store, a.cfg)
	if err := b.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey b: %v", err)
	}
	if got := a.store.ids(t); len(got) != 1 {
		t.Fatalf("store keys = %v, want one shared key", got)
	}
	vb := NewVerifier(b, a.cfg)

	if _, err := a.keys.Rotate(t.Context(), time.Hour); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	tok := a.mustIssue(t, a.claims())
	// b reloaded a moment ago (EnsureKey), so the reload is rate-limited.
	_, err := vb.VerifyAccessToken(t.Context(), tok)
	wantInvalid(t, err, "unknown signing key")

	a.clock.Advance(minReloadInterval)
	if _, err := vb.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("after reload interval: %v", err)
	}
}

func TestVerifyStoreUnavailable(t *testing.T) {
	tests := []struct {
		name     string
		storeErr error
	}{
		{"sentinel", ports.ErrUnavailable},
		{"raw driver error", errors.New("dial tcp: connection refused")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, AlgES256)
			other := newEnv(t, AlgES256)
			tok := other.mustIssue(t, other.claims())
			e.store.setErr(tt.storeErr)
			e.clock.Advance(minReloadInterval)

			_, err := e.verify.VerifyAccessToken(context.Background(), tok)
			if !errors.Is(err, ports.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if errors.Is(err, domain.ErrInvalidToken("")) {
				t.Errorf("err = %v, must not be invalid_token", err)
			}
			// Known keys need no store: tokens keep verifying while it is down.
			if _, err := e.verify.VerifyAccessToken(t.Context(), e.mustIssue(t, e.claims())); err != nil {
				t.Errorf("token of a loaded key while store down: %v", err)
			}
		})
	}
}

func TestCompactJWS(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"three segments", "a.b.c", true},
		{"empty signature", "a.b.", true},
		{"four segments", "a.b.c.d", false},
		{"plus sign", "a+.b.c", false},
		{"space", "a.b.c ", false},
		{"too long", strings.Repeat("a", maxTokenSize) + "..", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := compactJWS(tt.in); got != tt.want {
				t.Errorf("compactJWS(%.20q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
