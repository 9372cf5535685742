package external

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
)

func TestAllowedAlgorithmsVerify(t *testing.T) {
	clock := newClock()
	keys := []testKey{
		newKey(t, "rsa", "rs", jwa.RS256, true, 0),
		newKey(t, "ec", "es", jwa.ES256, true, 0),
		newKey(t, "rsa", "ps", jwa.PS256, true, 1),
		newKey(t, "ed", "ed", jwa.EdDSA, false, 0),
	}
	p := newProvider(t, "/", keys...)
	cfg := p.config(clock)
	cfg.Algorithms = []string{"RS256", "ES256", "PS256", "EdDSA"}
	v := newVerifier(t, cfg)
	for _, k := range keys {
		t.Run(k.alg.String(), func(t *testing.T) {
			if _, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
				t.Fatalf("verify %s: %v", k.alg, err)
			}
		})
	}
}

func TestAlgorithmOutsideAllowListRefused(t *testing.T) {
	clock := newClock()
	k := newKey(t, "rsa", "ps", jwa.PS256, true, 1)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock)) // default list: RS256, ES256
	_, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil))
	wantInvalid(t, err, "algorithm not allowed")
}

func TestForgedTokensRefused(t *testing.T) {
	clock := newClock()
	rs := newKey(t, "rsa", "rs", jwa.RS256, true, 0)
	es := newKey(t, "ec", "es", jwa.ES256, false, 0)
	attacker := newKey(t, "rsa", "rs", jwa.RS256, true, 2) // same kid, other key
	p := newProvider(t, "/", rs, es)
	cfg := p.config(clock)
	cfg.Algorithms = []string{"RS256", "ES256", "PS256"}
	cfg.RequireTyp = true
	cfg.Leeway = 30 * time.Second
	v := newVerifier(t, cfg)
	now := clock.Now()
	valid := func() map[string]any { return claimsFor(p.issuer, now) }
	with := func(name string, val any) map[string]any {
		c := valid()
		if val == nil {
			delete(c, name)
		} else {
			c[name] = val
		}
		return c
	}

	pubDER, err := x509.MarshalPKIXPublicKey(rs.priv.Public())
	must(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	rsJWK, err := json.Marshal(rs.pub)
	must(t, err)
	var jwkFields struct{ N string }
	must(t, json.Unmarshal(rsJWK, &jwkFields))

	good := rs.sign(t, valid(), nil)
	parts := strings.Split(good, ".")
	admin := valid()
	admin["sub"] = "admin"
	tamperedClaims, err := json.Marshal(admin)
	must(t, err)
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString(tamperedClaims) + "." + parts[2]

	embedded, err := jwk.FromRaw(attacker.priv.Public())
	must(t, err)

	tests := []struct {
		name, token, desc string
	}{
		{"alg none", rawToken(t, map[string]any{"alg": "none", "kid": "rs", "typ": "at+jwt"}, valid(), ""), "algorithm not allowed"},
		{"alg None spelled oddly", rawToken(t, map[string]any{"alg": "None", "kid": "rs", "typ": "at+jwt"}, valid(), ""), "algorithm not allowed"},
		{"HS256 keyed with the RSA public key PEM", signWith(t, jwa.HS256, pubPEM, "rs", valid(), nil), "algorithm not allowed"},
		{"HS256 keyed with the JWK n", signWith(t, jwa.HS256, []byte(jwkFields.N), "rs", valid(), nil), "algorithm not allowed"},
		{"unknown kid", signWith(t, jwa.RS256, rs.priv, "nope", valid(), nil), "unknown signing key"},
		{"missing kid", rs.sign(t, valid(), map[string]any{"kid": nil}), "missing kid"},
		{"wrong issuer", rs.sign(t, with("iss", p.issuer+"evil"), nil), "wrong issuer"},
		{"issuer differs only by trailing slash", rs.sign(t, with("iss", strings.TrimSuffix(p.issuer, "/")), nil), "wrong issuer"},
		{"missing issuer", rs.sign(t, with("iss", nil), nil), "wrong issuer"},
		{"wrong audience", rs.sign(t, with("aud", []string{"https://other.example"}), nil), "wrong audience"},
		{"missing audience", rs.sign(t, with("aud", nil), nil), "wrong audience"},
		{"expired beyond leeway", rs.sign(t, with("exp", now.Add(-time.Minute).Unix()), nil), "token expired"},
		{"missing exp", rs.sign(t, with("exp", nil), nil), "missing exp"},
		{"not yet valid beyond leeway", rs.sign(t, with("nbf", now.Add(2*time.Minute).Unix()), nil), "token not yet valid"},
		{"issued in the future", rs.sign(t, with("iat", now.Add(2*time.Minute).Unix()), nil), "token issued in the future"},
		{"missing subject", rs.sign(t, with("sub", nil), nil), "missing subject"},
		{"tampered payload", tampered, "signature verification failed"},
		{"signed by another key under a known kid", attacker.sign(t, valid(), nil), "signature verification failed"},
		{"embedded jwk header is ignored", attacker.sign(t, valid(), map[string]any{"jwk": embedded}), "signature verification failed"},
		{"RS256 header naming an EC key", signWith(t, jwa.RS256, rs.priv, "es", valid(), nil), "algorithm not allowed"},
		{"PS256 against a JWK published for RS256", signWith(t, jwa.PS256, rs.priv, "rs", valid(), nil), "algorithm not allowed"},
		{"wrong typ", rs.sign(t, valid(), map[string]any{"typ": "JWT"}), "wrong token type"},
		{"missing typ", rs.sign(t, valid(), map[string]any{"typ": nil}), "wrong token type"},
		{"critical header", rs.sign(t, valid(), map[string]any{"crit": []string{"exp"}, "exp": 1}), "unsupported header"},
		{"not a JWS", "opaque-token-value", "malformed token"},
		{"two segments", parts[0] + "." + parts[1], "malformed token"},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], "malformed token"},
		{"header not JSON", "bm90LWpzb24." + parts[1] + "." + parts[2], "malformed token"},
		{"claims not an object", signPayload(t, rs, []byte(`["sub","admin"]`)), "malformed claims"},
		{"claims not JSON", signPayload(t, rs, []byte(`sub=admin`)), "malformed claims"},
		{"issuer of the wrong type", rs.sign(t, with("iss", 42), nil), "malformed claims"},
		{"exp not a number", rs.sign(t, with("exp", "tomorrow"), nil), "malformed claims"},
		{"oversized", strings.Repeat("a", maxTokenSize+1), "malformed token"},
		{"empty", "", "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.VerifyAccessToken(t.Context(), tt.token)
			wantInvalid(t, err, tt.desc)
		})
	}
	// Within the leeway the same checks pass.
	for name, c := range map[string]map[string]any{
		"expired within leeway":       with("exp", now.Add(-10*time.Second).Unix()),
		"not yet valid within leeway": with("nbf", now.Add(10*time.Second).Unix()),
		"typ with media type prefix":  valid(),
	} {
		hdr := map[string]any(nil)
		if name == "typ with media type prefix" {
			hdr = map[string]any{"typ": "application/AT+JWT"}
		}
		if _, err := v.VerifyAccessToken(t.Context(), rs.sign(t, c, hdr)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// signPayload signs arbitrary bytes as the payload.
func signPayload(t *testing.T, k testKey, payload []byte) string {
	t.Helper()
	h := jws.NewHeaders()
	must(t, h.Set("kid", k.kid))
	must(t, h.Set("typ", "at+jwt"))
	tok, err := jws.Sign(payload, jws.WithKey(k.alg, k.priv, jws.WithProtectedHeaders(h)))
	must(t, err)
	return string(tok)
}

func TestValidationSwitchesOffLetMatchingTokenPass(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	now := clock.Now()
	tests := []struct {
		name   string
		off    func(*Config)
		claims func(map[string]any)
		desc   string // refusal with the switch on
	}{
		{"iss", func(c *Config) { c.ValidateIss = false }, func(m map[string]any) { m["iss"] = "https://elsewhere" }, "wrong issuer"},
		{"aud", func(c *Config) { c.ValidateAud = false }, func(m map[string]any) { m["aud"] = "https://elsewhere" }, "wrong audience"},
		{"exp", func(c *Config) { c.ValidateExp = false }, func(m map[string]any) { m["exp"] = now.Add(-time.Hour).Unix() }, "token expired"},
		{"exp absent", func(c *Config) { c.ValidateExp = false }, func(m map[string]any) { delete(m, "exp") }, "missing exp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsFor(p.issuer, now)
			tt.claims(c)
			tok := k.sign(t, c, nil)

			_, err := newVerifier(t, p.config(clock)).VerifyAccessToken(t.Context(), tok)
			wantInvalid(t, err, tt.desc)

			cfg := p.config(clock)
			tt.off(&cfg)
			if _, err := newVerifier(t, cfg).VerifyAccessToken(t.Context(), tok); err != nil {
				t.Fatalf("with validation of %s off: %v", tt.name, err)
			}
		})
	}
}

func TestScopesReadFromScopeScpAndConfiguredClaim(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	tests := []struct {
		name  string
		claim func(map[string]any)
		want  domain.Scopes
	}{
		{"scope string", func(m map[string]any) { m["scope"] = "b a  c" }, domain.Scopes{"a", "b", "c"}},
		{"scp array", func(m map[string]any) { delete(m, "scope"); m["scp"] = []string{"files.read", "files.write"} }, domain.Scopes{"files.read", "files.write"}},
		{"scp string", func(m map[string]any) { delete(m, "scope"); m["scp"] = "User.Read Mail.Send" }, domain.Scopes{"Mail.Send", "User.Read"}},
		{"permissions via ScopeClaim", func(m map[string]any) { m["permissions"] = []string{"read:tools", "write"} }, domain.Scopes{"read", "read:tools", "write"}},
		{"union of all three", func(m map[string]any) { m["scp"] = []string{"x"}; m["permissions"] = "y" }, domain.Scopes{"read", "write", "x", "y"}},
		{"invalid tokens dropped", func(m map[string]any) { m["scope"] = "ok"; m["scp"] = []string{"bad token", "q\"uote"} }, domain.Scopes{"ok"}},
		{"no scopes", func(m map[string]any) { delete(m, "scope") }, domain.Scopes{}},
	}
	cfg := p.config(clock)
	cfg.ScopeClaim = "permissions"
	v := newVerifier(t, cfg)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := claimsFor(p.issuer, clock.Now())
			tt.claim(c)
			got, err := v.VerifyAccessToken(t.Context(), k.sign(t, c, nil))
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			if diff := cmp.Diff(tt.want, got.Scopes); diff != "" {
				t.Errorf("scopes (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("scope of the wrong type", func(t *testing.T) {
		c := claimsFor(p.issuer, clock.Now())
		c["scope"] = 7
		_, err := v.VerifyAccessToken(t.Context(), k.sign(t, c, nil))
		wantInvalid(t, err, "malformed claims")
	})
}

func TestPrincipalCarriesClaims(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock))
	now := clock.Now()
	c := claimsFor(p.issuer, now)
	c["aud"] = []string{"https://other.example", "HTTPS://MCP.example.com/mcp"}
	c["name"] = "Ada Lovelace"
	c["email"] = "ada@example.com"
	got, err := v.VerifyAccessToken(t.Context(), k.sign(t, c, nil))
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	want := domain.Principal{
		Subject: "user-1", ClientID: "client-1", Scopes: domain.Scopes{"read", "write"},
		Audience: []string{"https://other.example", "HTTPS://MCP.example.com/mcp"},
		Issuer:   p.issuer, TokenID: "jti-1",
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
		Name: "Ada Lovelace", Email: "ada@example.com",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("principal (-want +got):\n%s", diff)
	}

	for _, claim := range []string{"azp", "cid", "appid"} {
		c := claimsFor(p.issuer, now)
		delete(c, "client_id")
		c[claim] = "from-" + claim
		got, err := v.VerifyAccessToken(t.Context(), k.sign(t, c, nil))
		if err != nil {
			t.Fatalf("verify with %s: %v", claim, err)
		}
		if got.ClientID != "from-"+claim {
			t.Errorf("ClientID = %q, want it from %s", got.ClientID, claim)
		}
	}
}

func TestTokenCacheNeverServesPastExp(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	v := newVerifier(t, p.config(clock))
	c := claimsFor(p.issuer, clock.Now())
	c["exp"] = clock.Now().Add(time.Minute).Unix()
	tok := k.sign(t, c, nil)
	for range 2 {
		if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
	if v.tokens.len() != 1 {
		t.Fatalf("token cache holds %d entries, want 1", v.tokens.len())
	}
	clock.Advance(time.Minute)
	_, err := v.VerifyAccessToken(t.Context(), tok)
	wantInvalid(t, err, "token expired")
}

func TestCachedTokenRefusedOnceItsKeyIsWithdrawn(t *testing.T) {
	clock := newClock()
	old := newKey(t, "ec", "old", jwa.ES256, true, 0)
	p := newProvider(t, "/", old)
	v := newVerifier(t, p.config(clock))
	c := claimsFor(p.issuer, clock.Now())
	c["exp"] = clock.Now().Add(3 * time.Hour).Unix()
	tok := old.sign(t, c, nil)
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify: %v", err)
	}
	p.setKeys(newKey(t, "ec", "new", jwa.ES256, true, 0))
	clock.Advance(defaultCacheTTL + time.Second)
	_, err := v.VerifyAccessToken(t.Context(), tok)
	wantInvalid(t, err, "unknown signing key")
}

func TestNewRefusesUnsafeOrIncompleteConfig(t *testing.T) {
	base := Config{
		IssuerURL: "https://idp.example", Audience: testAudience,
		ValidateExp: true, ValidateAud: true, ValidateIss: true,
	}
	tests := []struct {
		name string
		edit func(*Config)
	}{
		{"alg none", func(c *Config) { c.Algorithms = []string{"RS256", "none"} }},
		{"HS256", func(c *Config) { c.Algorithms = []string{"HS256"} }},
		{"hs512 lower case", func(c *Config) { c.Algorithms = []string{"hs512"} }},
		{"unknown algorithm", func(c *Config) { c.Algorithms = []string{"RS1"} }},
		{"no issuer", func(c *Config) { c.IssuerURL = "" }},
		{"issuer with query", func(c *Config) { c.IssuerURL = "https://idp.example/?tenant=1" }},
		{"no audience", func(c *Config) { c.Audience = "" }},
		{"URL and file", func(c *Config) { c.JWKSURL = "https://idp.example/keys"; c.JWKSFile = "/x.json" }},
		{"negative leeway", func(c *Config) { c.Leeway = -time.Second }},
		{"refresh interval above TTL", func(c *Config) { c.CacheTTL = time.Second; c.MinRefreshInterval = time.Minute }},
		{"introspection without client", func(c *Config) { c.Introspection = &Introspection{URL: "https://idp.example/i"} }},
		{"missing JWKS file", func(c *Config) { c.JWKSFile = "/nonexistent/jwks.json" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			if _, err := New(cfg); err == nil {
				t.Fatal("New accepted the config")
			}
		})
	}
	if _, err := New(base); err != nil {
		t.Fatalf("New refused the base config: %v", err)
	}
}

func TestDebugLogsStepsWithoutTheToken(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "es", jwa.ES256, true, 0)
	p := newProvider(t, "/", k)
	var buf bytes.Buffer
	cfg := p.config(clock)
	cfg.Debug = true
	cfg.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	v := newVerifier(t, cfg)
	tok := k.sign(t, claimsFor(p.issuer, clock.Now()), nil)
	if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
		t.Fatalf("verify: %v", err)
	}
	_, _ = v.VerifyAccessToken(t.Context(), tok[:len(tok)-4]+"AAAA")
	out := buf.String()
	for _, want := range []string{"step=header outcome=ok", "step=signature outcome=ok", "step=claims outcome=ok", `outcome="signature verification failed"`, "token_sha256="} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	for _, part := range strings.Split(tok, ".") {
		if strings.Contains(out, part) {
			t.Fatalf("debug log contains a token segment:\n%s", out)
		}
	}
}
