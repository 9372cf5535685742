// Package external verifies access tokens issued by an external OpenID
// provider (Auth0, Google, Azure AD, Keycloak, Okta, any OIDC or RFC 8414
// issuer): JWTs against the provider's published JWKS, and opaque tokens
// through RFC 7662 introspection when configured.
package external

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"gatehouse/ports"
)

// Defaults applied by New to zero fields.
const (
	defaultCacheTTL           = time.Hour
	defaultStaleWindow        = 10 * time.Minute
	defaultMinRefreshInterval = 10 * time.Second
	defaultHTTPTimeout        = 10 * time.Second
	defaultTokenCacheSize     = 10_000
)

// Config configures a Verifier. The zero value of each optional field means
// its default.
type Config struct {
	// IssuerURL is the expected iss claim, compared byte for byte, and the
	// base for metadata discovery.
	IssuerURL string
	// JWKSURL, when set, is fetched instead of discovering jwks_uri.
	JWKSURL string
	// JWKSFile, when set, is a static JWKS read once by New; the verifier
	// then makes no network request for keys (air-gapped deployments).
	JWKSFile string
	// Audience must be one of the token's aud values. Scheme and host of a
	// URL audience compare case-insensitively and an empty path equals "/".
	Audience string
	// Algorithms is the JWS allow-list; default RS256 and ES256. "none"
	// and the HMAC algorithms are refused by New: a public key must never
	// serve as an HMAC secret.
	Algorithms []string
	// Switches for the iss, aud and exp checks; all true in normal use.
	ValidateExp, ValidateAud, ValidateIss bool
	// RequireTyp requires the JOSE header typ "at+jwt" (RFC 9068).
	RequireTyp bool
	// Leeway is the clock skew tolerated for exp, nbf and iat.
	Leeway time.Duration
	// CacheTTL is how long a fetched JWKS is used before it is fetched
	// again (default 1h).
	CacheTTL time.Duration
	// StaleWindow is how long past its expiry the last good JWKS keeps
	// serving while the provider cannot be reached (default 10m); after
	// that verification fails with ports.ErrUnavailable.
	StaleWindow time.Duration
	// MinRefreshInterval is the least time between two JWKS fetches
	// caused by requests (default 10s), so that tokens with forged key ids
	// cannot turn the verifier into a request amplifier.
	MinRefreshInterval time.Duration
	// ScopeClaim names an extra claim holding scopes, e.g. "permissions"
	// (Auth0) or "roles" (Azure AD).
	ScopeClaim string
	// Introspection, when set, verifies opaque (non-JWT) tokens by RFC 7662.
	Introspection *Introspection
	// HTTPClient defaults to a client with a 10s timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger // nil: discard
	// Debug logs each verification step at debug level. Tokens and secrets
	// are never logged; a token is named by a short prefix of its SHA-256.
	Debug bool
	Clock func() time.Time
	// TokenCacheSize bounds the cache of verified tokens (0: 10000, -1: off).
	TokenCacheSize int
	// Metrics and Tracer observe key-set fetches; nil observes nothing.
	Metrics ports.Metrics
	Tracer  ports.Tracer
}

// Introspection configures RFC 7662 token introspection.
type Introspection struct {
	// URL of the introspection endpoint; when empty it is discovered from
	// the issuer's metadata (introspection_endpoint).
	URL          string
	ClientID     string
	ClientSecret string
	// CacheSize bounds the cache of introspection results (0: 10000, -1: off).
	CacheSize int
}

// supportedAlgs are the asymmetric JWS algorithms that may be allowed.
var supportedAlgs = map[string]jwa.SignatureAlgorithm{
	"RS256": jwa.RS256, "RS384": jwa.RS384, "RS512": jwa.RS512,
	"PS256": jwa.PS256, "PS384": jwa.PS384, "PS512": jwa.PS512,
	"ES256": jwa.ES256, "ES384": jwa.ES384, "ES512": jwa.ES512,
	"EdDSA": jwa.EdDSA,
}

// forbiddenAlg reports "none" and the HMAC family in any spelling.
func forbiddenAlg(alg string) bool {
	a := strings.ToUpper(strings.TrimSpace(alg))
	return a == "NONE" || strings.HasPrefix(a, "HS")
}

// prepare applies defaults and collects every configuration problem.
func (c Config) prepare() (Config, map[string]jwa.SignatureAlgorithm, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{"RS256", "ES256"}
	}
	c.Algorithms = append([]string(nil), c.Algorithms...)
	algs := make(map[string]jwa.SignatureAlgorithm, len(c.Algorithms))
	for _, a := range c.Algorithms {
		switch alg, ok := supportedAlgs[a]; {
		case forbiddenAlg(a):
			bad("algorithm %q is never accepted", a)
		case !ok:
			bad("algorithm %q is not supported", a)
		default:
			algs[a] = alg
		}
	}

	network := c.JWKSFile == ""
	discovers := network && c.JWKSURL == ""
	if c.JWKSFile != "" && c.JWKSURL != "" {
		bad("set either a JWKS URL or a JWKS file, not both")
	}
	if c.IssuerURL == "" && (c.ValidateIss || discovers) {
		bad("issuer URL required")
	}
	if discovers && c.IssuerURL != "" {
		if err := checkHTTPURL(c.IssuerURL, false); err != nil {
			bad("issuer URL: %v", err)
		}
	}
	if c.JWKSURL != "" {
		if err := checkHTTPURL(c.JWKSURL, true); err != nil {
			bad("JWKS URL: %v", err)
		}
	}
	if c.ValidateAud && c.Audience == "" {
		bad("audience required when audience validation is on")
	}
	if in := c.Introspection; in != nil {
		cp := *in
		c.Introspection = &cp
		if cp.ClientID == "" {
			bad("introspection client id required")
		}
		switch {
		case cp.URL != "":
			if err := checkHTTPURL(cp.URL, true); err != nil {
				bad("introspection URL: %v", err)
			}
		case !network || c.IssuerURL == "":
			bad("introspection URL required when it cannot be discovered")
		}
		if cp.CacheSize == 0 {
			c.Introspection.CacheSize = defaultTokenCacheSize
		} else if cp.CacheSize < -1 {
			bad("introspection cache size must be -1, 0 or positive")
		}
	}

	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"leeway", c.Leeway}, {"cache TTL", c.CacheTTL}, {"stale window", c.StaleWindow}, {"min refresh interval", c.MinRefreshInterval}} {
		if d.v < 0 {
			bad("%s must not be negative", d.name)
		}
	}
	if c.CacheTTL == 0 {
		c.CacheTTL = defaultCacheTTL
	}
	if c.StaleWindow == 0 {
		c.StaleWindow = defaultStaleWindow
	}
	if c.MinRefreshInterval == 0 {
		c.MinRefreshInterval = defaultMinRefreshInterval
	}
	if c.MinRefreshInterval > c.CacheTTL {
		bad("min refresh interval must not exceed the cache TTL")
	}
	switch {
	case c.TokenCacheSize == 0:
		c.TokenCacheSize = defaultTokenCacheSize
	case c.TokenCacheSize < -1:
		bad("token cache size must be -1, 0 or positive")
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: defaultHTTPTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if len(errs) > 0 {
		return Config{}, nil, fmt.Errorf("external: config: %w", errors.Join(errs...))
	}
	return c, algs, nil
}

// checkHTTPURL accepts absolute http(s) URLs without fragment; an issuer
// may not have a query either (RFC 8414 §2).
func checkHTTPURL(s string, allowQuery bool) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("not a URL")
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("must be an http(s) URL")
	case u.Host == "":
		return errors.New("must name a host")
	case u.Fragment != "":
		return errors.New("must not have a fragment")
	case u.RawQuery != "" && !allowQuery:
		return errors.New("must not have a query")
	}
	return nil
}
