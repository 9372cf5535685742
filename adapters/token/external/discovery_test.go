package external

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
)

func TestDiscoveryURLsFollowRFC8414ThenOIDC(t *testing.T) {
	tests := []struct {
		issuer string
		want   []string
	}{
		{"https://h.example/tenant", []string{
			"https://h.example/.well-known/oauth-authorization-server/tenant",
			"https://h.example/tenant/.well-known/openid-configuration",
			"https://h.example/.well-known/openid-configuration/tenant",
		}},
		{"https://x.auth0.com/", []string{
			"https://x.auth0.com/.well-known/oauth-authorization-server",
			"https://x.auth0.com/.well-known/openid-configuration",
		}},
		{"https://h.example", []string{
			"https://h.example/.well-known/oauth-authorization-server",
			"https://h.example/.well-known/openid-configuration",
		}},
		{"https://kc.example/realms/demo/", []string{
			"https://kc.example/.well-known/oauth-authorization-server/realms/demo",
			"https://kc.example/realms/demo/.well-known/openid-configuration",
			"https://kc.example/.well-known/openid-configuration/realms/demo",
		}},
	}
	for _, tt := range tests {
		got, err := discoveryURLs(tt.issuer)
		if err != nil {
			t.Fatalf("discoveryURLs(%q): %v", tt.issuer, err)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("discoveryURLs(%q)\n got %q\nwant %q", tt.issuer, got, tt.want)
		}
	}
}

func TestDiscoveryFindsMetadataAtEachLocation(t *testing.T) {
	tests := []struct {
		name, issuerPath, served string
	}{
		{"RFC 8414 inserted", "/tenant", "/.well-known/oauth-authorization-server/tenant"},
		{"OIDC appended", "/tenant", "/tenant/.well-known/openid-configuration"},
		{"OIDC inserted variant", "/tenant", "/.well-known/openid-configuration/tenant"},
		{"trailing-slash issuer", "/", "/.well-known/openid-configuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newClock()
			k := newKey(t, "ec", "k1", jwa.ES256, true, 0)
			p := newProvider(t, tt.issuerPath, k)
			p.metaPaths = map[string]bool{tt.served: true}
			v := newVerifier(t, p.config(clock))
			tok := k.sign(t, claimsFor(p.issuer, clock.Now()), nil)
			if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
				t.Fatalf("verify: %v", err)
			}
			if p.count(tt.served) != 1 {
				t.Errorf("metadata fetched %d times at %s, want 1", p.count(tt.served), tt.served)
			}
		})
	}
}

func TestDiscoveryRefusesMetadataNamingAnotherIssuer(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ec", "k1", jwa.ES256, true, 0)
	p := newProvider(t, "/tenant", k)
	p.metaIssuer = p.srv.URL + "/other"
	v := newVerifier(t, p.config(clock))

	wantUnavailable(t, v.Ready(t.Context()))
	_, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil))
	wantUnavailable(t, err)
	if n := p.count("/keys"); n != 0 {
		t.Errorf("JWKS fetched %d times from refused metadata, want 0", n)
	}
}

func TestJWKSURLOverridesDiscovery(t *testing.T) {
	clock := newClock()
	k := newKey(t, "rsa", "r1", jwa.RS256, true, 0)
	p := newProvider(t, "/tenant", k)
	p.metaPaths = map[string]bool{}
	cfg := p.config(clock)
	cfg.JWKSURL = p.srv.URL + "/keys"
	v := newVerifier(t, cfg)

	if _, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor(p.issuer, clock.Now()), nil)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for path, n := range p.hits {
		if strings.Contains(path, ".well-known") {
			t.Errorf("discovery request %s made %d times despite JWKSURL", path, n)
		}
	}
}

// failingTransport fails the test on any request.
type failingTransport struct{ t *testing.T }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.t.Errorf("unexpected request to %s", r.URL)
	return nil, context.Canceled
}

func TestStaticJWKSFileNeedsNoNetwork(t *testing.T) {
	clock := newClock()
	k := newKey(t, "ed", "e1", jwa.EdDSA, false, 0)
	file := filepath.Join(t.TempDir(), "jwks.json")
	must(t, os.WriteFile(file, jwksJSON(t, k), 0o600))
	v := newVerifier(t, Config{
		IssuerURL: "https://idp.internal", Audience: testAudience, JWKSFile: file,
		Algorithms:  []string{"EdDSA"},
		ValidateExp: true, ValidateAud: true, ValidateIss: true,
		HTTPClient: &http.Client{Transport: failingTransport{t}},
		Clock:      clock.Now,
	})
	v.Start(t.Context())
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if _, err := v.VerifyAccessToken(t.Context(), k.sign(t, claimsFor("https://idp.internal", clock.Now()), nil)); err != nil {
		t.Fatalf("verify: %v", err)
	}
	other := newKey(t, "ed", "e2", jwa.EdDSA, false, 0)
	_, err := v.VerifyAccessToken(t.Context(), other.sign(t, claimsFor("https://idp.internal", clock.Now()), nil))
	wantInvalid(t, err, "unknown signing key")
	// Far past any TTL, a static set still serves.
	clock.Advance(1000 * defaultCacheTTL)
	if err := v.Ready(t.Context()); err != nil {
		t.Fatalf("Ready after a long time: %v", err)
	}
}

func TestNewRefusesBadJWKSFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "jwks.json")
	must(t, os.WriteFile(file, []byte(`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`), 0o600))
	_, err := New(Config{IssuerURL: "https://idp.internal", JWKSFile: file})
	if err == nil {
		t.Fatal("New accepted a JWKS file holding only a symmetric key")
	}
}
