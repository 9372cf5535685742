package external

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
	"gatehouse/ports"
)

const testAudience = "https://mcp.example.com/mcp"

// fakeClock is the injected clock; tests move it instead of sleeping.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// rsaKeys are generated once: 2048-bit generation is the slowest step of
// the suite.
var rsaKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 3)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// testKey is a provider signing key: the private half signs, the public
// JWK is published.
type testKey struct {
	kid  string
	alg  jwa.SignatureAlgorithm
	priv crypto.Signer
	pub  jwk.Key
}

// newKey makes a key of kind "rsa" (index 0..2 of the shared RSA keys via
// rsaIndex), "ec" or "ed". publishAlg puts alg into the published JWK.
func newKey(t testing.TB, kind, kid string, alg jwa.SignatureAlgorithm, publishAlg bool, rsaIndex int) testKey {
	t.Helper()
	var priv crypto.Signer
	switch kind {
	case "rsa":
		priv = rsaKeys()[rsaIndex]
	case "ec":
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv = k
	case "ed":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		priv = k
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	return wrapKey(t, priv, kid, alg, publishAlg)
}

func wrapKey(t testing.TB, priv crypto.Signer, kid string, alg jwa.SignatureAlgorithm, publishAlg bool) testKey {
	t.Helper()
	pub, err := jwk.FromRaw(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	must(t, pub.Set(jwk.KeyIDKey, kid))
	must(t, pub.Set(jwk.KeyUsageKey, jwk.ForSignature))
	if publishAlg {
		must(t, pub.Set(jwk.AlgorithmKey, alg))
	}
	return testKey{kid: kid, alg: alg, priv: priv, pub: pub}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jwksJSON publishes the public halves of keys.
func jwksJSON(t testing.TB, keys ...testKey) []byte {
	t.Helper()
	set := jwk.NewSet()
	for _, k := range keys {
		must(t, set.AddKey(k.pub))
	}
	b, err := json.Marshal(set)
	must(t, err)
	return b
}

// claimsFor returns valid claims for issuer at now; tests edit the map.
func claimsFor(issuer string, now time.Time) map[string]any {
	return map[string]any{
		"iss":       issuer,
		"sub":       "user-1",
		"aud":       testAudience,
		"exp":       now.Add(time.Hour).Unix(),
		"iat":       now.Unix(),
		"jti":       "jti-1",
		"client_id": "client-1",
		"scope":     "read write",
	}
}

// sign makes a compact JWS over claims with the key's alg. The header has
// the key's kid and typ at+jwt; hdr overrides (a nil value removes).
func (k testKey) sign(t testing.TB, claims map[string]any, hdr map[string]any) string {
	t.Helper()
	return signWith(t, k.alg, k.priv, k.kid, claims, hdr)
}

func signWith(t testing.TB, alg jwa.SignatureAlgorithm, key any, kid string, claims map[string]any, hdr map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	must(t, err)
	h := jws.NewHeaders()
	fields := map[string]any{"kid": kid, "typ": "at+jwt"}
	for name, val := range hdr {
		fields[name] = val
	}
	for name, val := range fields {
		if val != nil {
			must(t, h.Set(name, val))
		}
	}
	tok, err := jws.Sign(payload, jws.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	must(t, err)
	return string(tok)
}

// rawToken assembles a token from JSON header and claims and a signature,
// for forms no library will sign (alg none, tampering).
func rawToken(t testing.TB, hdr, claims map[string]any, sig string) string {
	t.Helper()
	h, err := json.Marshal(hdr)
	must(t, err)
	c, err := json.Marshal(claims)
	must(t, err)
	enc := base64.RawURLEncoding.EncodeToString
	return enc(h) + "." + enc(c) + "." + sig
}

// provider is a fake external authorization server.
type provider struct {
	t      *testing.T
	srv    *httptest.Server
	issuer string

	mu         sync.Mutex
	jwks       []byte
	down       bool
	metaPaths  map[string]bool // paths that serve the metadata
	metaIssuer string          // issuer named in the metadata
	introspect http.HandlerFunc
	hits       map[string]int
}

// newProvider serves metadata for issuer srv.URL+issuerPath at the OIDC
// appended location and keys at /keys.
func newProvider(t *testing.T, issuerPath string, keys ...testKey) *provider {
	p := &provider{t: t, hits: map[string]int{}, metaPaths: map[string]bool{}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	p.issuer = p.srv.URL + issuerPath
	p.metaIssuer = p.issuer
	p.metaPaths[strings.TrimSuffix(issuerPath, "/")+"/.well-known/openid-configuration"] = true
	p.jwks = jwksJSON(t, keys...)
	return p
}

func (p *provider) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.hits[r.URL.Path]++
	down, jwks, meta, iss, intro := p.down, p.jwks, p.metaPaths[r.URL.Path], p.metaIssuer, p.introspect
	p.mu.Unlock()
	switch {
	case down:
		http.Error(w, "down", http.StatusServiceUnavailable)
	case r.URL.Path == "/keys":
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	case r.URL.Path == "/introspect" && intro != nil:
		intro(w, r)
	case meta:
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{
			"issuer":                 iss,
			"jwks_uri":               p.srv.URL + "/keys",
			"introspection_endpoint": p.srv.URL + "/introspect",
		})
	default:
		http.NotFound(w, r)
	}
}

func (p *provider) setKeys(keys ...testKey) {
	b := jwksJSON(p.t, keys...)
	p.mu.Lock()
	p.jwks = b
	p.mu.Unlock()
}

func (p *provider) setDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
}

func (p *provider) count(path string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits[path]
}

// config is a normal configuration against p.
func (p *provider) config(clock *fakeClock) Config {
	return Config{
		IssuerURL:   p.issuer,
		Audience:    testAudience,
		ValidateExp: true, ValidateAud: true, ValidateIss: true,
		HTTPClient: p.srv.Client(),
		Clock:      clock.Now,
	}
}

func newVerifier(t testing.TB, cfg Config) *Verifier {
	t.Helper()
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(v.Close)
	return v
}

// wantInvalid asserts an invalid_token error with the description.
func wantInvalid(t testing.TB, err error, desc string) {
	t.Helper()
	var oe *domain.OAuthError
	if !errors.Is(err, domain.ErrInvalidToken("")) || !errors.As(err, &oe) {
		t.Fatalf("error = %v, want invalid_token %q", err, desc)
	}
	if oe.Description != desc {
		t.Fatalf("description = %q, want %q", oe.Description, desc)
	}
	if errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("error %v wraps ErrUnavailable as well", err)
	}
}

func wantUnavailable(t testing.TB, err error) {
	t.Helper()
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("error = %v, want ErrUnavailable", err)
	}
	if errors.Is(err, domain.ErrInvalidToken("")) {
		t.Fatalf("error %v is invalid_token as well", err)
	}
}
