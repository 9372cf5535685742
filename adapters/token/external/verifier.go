package external

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"gatehouse/domain"
	"gatehouse/ports"
)

// uncappedCacheAge is how long a verified token without exp stays cached
// (only possible with exp validation off).
const uncappedCacheAge = 5 * time.Minute

var _ ports.TokenVerifier = (*Verifier)(nil)

// Verifier checks access tokens issued by an external provider.
type Verifier struct {
	cfg    Config
	algs   map[string]jwa.SignatureAlgorithm
	rules  claimRules
	log    *slog.Logger
	disc   *discoverer // nil when nothing is discovered
	keys   *keyCache
	tokens *ttlCache[cachedToken] // nil: off
	intro  *introspector          // nil: opaque tokens are malformed

	mu     sync.Mutex
	cancel context.CancelFunc // set by Start
	done   chan struct{}
}

// New validates cfg and builds a verifier without touching the network; a
// JWKS file is read here, so that a bad file fails at start-up.
func New(cfg Config) (*Verifier, error) {
	cfg, algs, err := cfg.prepare()
	if err != nil {
		return nil, err
	}
	v := &Verifier{
		cfg:  cfg,
		algs: algs,
		rules: claimRules{
			issuer: cfg.IssuerURL, audience: cfg.Audience,
			validateIss: cfg.ValidateIss, validateAud: cfg.ValidateAud, validateExp: cfg.ValidateExp,
			leeway: cfg.Leeway,
		},
		log:    cfg.Logger,
		tokens: newTTLCache[cachedToken](cfg.TokenCacheSize),
		keys: &keyCache{
			clock: cfg.Clock, ttl: cfg.CacheTTL, stale: cfg.StaleWindow,
			minInterval: cfg.MinRefreshInterval, log: cfg.Logger,
		},
	}
	if cfg.JWKSFile == "" && cfg.IssuerURL != "" {
		v.disc = &discoverer{issuer: cfg.IssuerURL, client: cfg.HTTPClient, log: cfg.Logger}
	}
	if cfg.JWKSFile != "" {
		keys, err := readJWKSFile(cfg.JWKSFile)
		if err != nil {
			return nil, err
		}
		v.keys.set.Store(&keySet{byKid: keys, fetchedAt: cfg.Clock()})
	} else {
		v.keys.fetch = v.fetchJWKS
	}
	if cfg.Introspection != nil {
		v.intro = newIntrospector(v, *cfg.Introspection)
	}
	return v, nil
}

func readJWKSFile(path string) (map[string][]verKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("external: open JWKS file: %w", err)
	}
	defer f.Close()
	body, err := readBody(f)
	if err != nil {
		return nil, fmt.Errorf("external: JWKS file %s: %w", path, err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("external: JWKS file %s: %w", path, err)
	}
	return keys, nil
}

// fetchJWKS loads the key set from the configured or discovered jwks_uri.
func (v *Verifier) fetchJWKS(ctx context.Context) (keys map[string][]verKey, where string, err error) {
	if v.cfg.Tracer != nil {
		var end func(error)
		ctx, end = v.cfg.Tracer.Start(ctx, "jwks fetch")
		defer func() { end(err) }()
	}
	if v.cfg.Metrics != nil {
		start := time.Now()
		defer func() { v.cfg.Metrics.JWKSFetched(ctx, time.Since(start), err) }()
	}
	return v.fetchJWKSOnce(ctx)
}

func (v *Verifier) fetchJWKSOnce(ctx context.Context) (map[string][]verKey, string, error) {
	u := v.cfg.JWKSURL
	if u == "" {
		md, err := v.disc.get(ctx)
		if err != nil {
			return nil, safeURL(v.cfg.IssuerURL), err
		}
		if md.jwksURI == "" {
			return nil, safeURL(v.cfg.IssuerURL), errors.New("provider metadata has no jwks_uri")
		}
		u = md.jwksURI
	}
	body, err := getJSON(ctx, v.cfg.HTTPClient, u)
	if err == nil {
		var keys map[string][]verKey
		if keys, err = parseJWKS(body); err == nil {
			return keys, safeURL(u), nil
		}
	}
	if v.cfg.JWKSURL == "" {
		v.disc.forget()
	}
	return nil, safeURL(u), err
}

// Start refreshes the key set in the background, first at once and then
// before it expires, until ctx is done or Close is called. Without Start
// the keys are fetched on first use. Calling Start again does nothing.
func (v *Verifier) Start(ctx context.Context) {
	if v.keys.fetch == nil {
		return
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.cancel != nil {
		return
	}
	ctx, v.cancel = context.WithCancel(ctx)
	v.done = make(chan struct{})
	go func() {
		defer close(v.done)
		v.keys.run(ctx)
	}()
}

// Close stops the background refresh and waits for it to end. It is safe
// to call without Start and more than once.
func (v *Verifier) Close() {
	v.mu.Lock()
	cancel, done := v.cancel, v.done
	v.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Ready returns nil when a usable key set is held or can be fetched now;
// otherwise the error wraps ports.ErrUnavailable.
func (v *Verifier) Ready(ctx context.Context) error {
	_, err := v.keys.current(ctx, v.cfg.Clock())
	return err
}

// VerifyAccessToken checks a JWT against the provider's keys and the
// configured claims, or introspects an opaque token when introspection is
// configured. Failures match domain.ErrInvalidToken(""); a provider that
// cannot be reached, with no usable keys held, gives an error wrapping
// ports.ErrUnavailable.
func (v *Verifier) VerifyAccessToken(ctx context.Context, token string) (domain.Principal, error) {
	now := v.cfg.Clock()
	if token == "" || len(token) > maxTokenSize {
		v.debug(ctx, "", "parse", "malformed token")
		return domain.Principal{}, domain.ErrInvalidToken("malformed token")
	}
	sum := sha256.Sum256([]byte(token))
	tid := ""
	if v.cfg.Debug {
		tid = fmt.Sprintf("%x", sum[:4])
	}
	hdr, ok := parseCompact(token)
	if !ok {
		if v.intro != nil && opaqueToken(token) {
			v.debug(ctx, tid, "parse", "opaque")
			return v.intro.verify(ctx, token, sum, now, tid)
		}
		v.debug(ctx, tid, "parse", "malformed token")
		return domain.Principal{}, domain.ErrInvalidToken("malformed token")
	}
	if e, ok := v.tokens.get(sum, now); ok {
		s, err := v.keys.current(ctx, now)
		if err != nil {
			v.debug(ctx, tid, "keys", "unavailable")
			return domain.Principal{}, err
		}
		if s.has(e.kid) {
			v.debug(ctx, tid, "cache", "hit")
			return clonePrincipal(e.principal), nil
		}
		v.debug(ctx, tid, "cache", "signing key withdrawn")
	}
	p, kid, err := v.verifyJWS(ctx, token, hdr, now, tid)
	if err != nil {
		var r *rejection
		if errors.As(err, &r) {
			return domain.Principal{}, domain.ErrInvalidToken(r.desc).WithCause(err)
		}
		return domain.Principal{}, err
	}
	expires := p.ExpiresAt
	if expires.IsZero() {
		expires = now.Add(uncappedCacheAge)
	}
	v.tokens.put(sum, cachedToken{principal: clonePrincipal(p), kid: kid}, expires, now)
	return p, nil
}

// verifyJWS runs the header, key, signature and claim checks in that order;
// nothing from the token is trusted before its signature verifies except
// what selects the key, and that is checked against the allow-list first.
func (v *Verifier) verifyJWS(ctx context.Context, token string, h header, now time.Time, tid string) (domain.Principal, string, error) {
	alg, err := v.checkHeader(h)
	if err != nil {
		v.debug(ctx, tid, "header", err.Error())
		return domain.Principal{}, "", err
	}
	v.debug(ctx, tid, "header", "ok", slog.String("alg", h.alg), slog.String("kid", h.kid))
	keys, refreshed, err := v.keys.lookup(ctx, h.kid, now)
	if err != nil {
		v.debug(ctx, tid, "key", "unavailable")
		return domain.Principal{}, "", err
	}
	if len(keys) == 0 {
		v.debug(ctx, tid, "key", "unknown signing key", slog.Bool("refreshed", refreshed))
		return domain.Principal{}, "", wrapRejection("unknown signing key", errUnknownKey)
	}
	var usable []any
	for _, k := range keys {
		if k.fits(alg) {
			usable = append(usable, k.public)
		}
	}
	if len(usable) == 0 {
		v.debug(ctx, tid, "key", "key does not fit algorithm")
		return domain.Principal{}, "", reject("algorithm not allowed")
	}
	v.debug(ctx, tid, "key", "found", slog.Bool("refreshed", refreshed))
	payload, err := verifySignature(token, h, alg, usable)
	if err != nil {
		v.debug(ctx, tid, "signature", err.Error())
		return domain.Principal{}, "", err
	}
	v.debug(ctx, tid, "signature", "ok")
	var m map[string]json.RawMessage
	if err := json.Unmarshal(payload, &m); err != nil || m == nil {
		v.debug(ctx, tid, "claims", "malformed claims")
		return domain.Principal{}, "", reject("malformed claims")
	}
	c, err := parseClaims(m, v.cfg.ScopeClaim)
	if err != nil {
		v.debug(ctx, tid, "claims", err.Error())
		return domain.Principal{}, "", err
	}
	p, err := v.rules.check(c, now, false)
	if err != nil {
		v.debug(ctx, tid, "claims", err.Error())
		return domain.Principal{}, "", err
	}
	v.debug(ctx, tid, "claims", "ok", slog.String("subject", p.Subject))
	return p, h.kid, nil
}

// debug logs one verification step when cfg.Debug is on. tid is a short
// prefix of the token's SHA-256, never the token.
func (v *Verifier) debug(ctx context.Context, tid, step, outcome string, attrs ...slog.Attr) {
	if !v.cfg.Debug {
		return
	}
	all := append([]slog.Attr{slog.String("step", step), slog.String("outcome", outcome)}, attrs...)
	if tid != "" {
		all = append(all, slog.String("token_sha256", tid))
	}
	v.log.LogAttrs(ctx, slog.LevelDebug, "external: verify access token", all...)
}
