package builtin

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
	"gatehouse/ports"
)

// maxTokenSize rejects oversized input before any decoding; our tokens are
// well under 2 KiB even with RS256.
const maxTokenSize = 8 << 10

var _ ports.TokenVerifier = (*Verifier)(nil)

// Verifier checks access tokens issued by this server for the resources it
// guards. Only asymmetric algorithms of our own keys are accepted, so
// neither "none" nor HMAC keyed with a public key can pass.
type Verifier struct {
	m         *KeyManager
	issuer    string
	audiences audienceMatcher
	leeway    time.Duration
	clock     func() time.Time
	cache     *tokenCache // nil: every token is fully verified
}

// NewVerifier returns a verifier using m's published keys and cfg's issuer,
// audiences, leeway and clock.
func NewVerifier(m *KeyManager, cfg Config) *Verifier {
	cfg = cfg.withDefaults()
	return &Verifier{
		m:         m,
		issuer:    cfg.Issuer,
		audiences: newAudienceMatcher(cfg.Audiences),
		leeway:    cfg.Leeway,
		clock:     cfg.Clock,
		cache:     newTokenCache(defaultCacheSize),
	}
}

// rejection is a verification failure with a description safe to show.
type rejection struct{ desc string }

func (r *rejection) Error() string { return r.desc }

func reject(desc string) error { return &rejection{desc: desc} }

// VerifyAccessToken checks the token's form, header, signature and claims.
// Failures match domain.ErrInvalidToken(""); a key store that cannot be
// read while looking up an unknown kid gives an error wrapping
// ports.ErrUnavailable.
func (v *Verifier) VerifyAccessToken(ctx context.Context, token string) (domain.Principal, error) {
	now := v.clock()
	if len(token) == 0 || len(token) > maxTokenSize {
		return domain.Principal{}, domain.ErrInvalidToken("malformed token")
	}
	var sum [sha256.Size]byte
	if v.cache != nil {
		// The cache holds only tokens that passed every check below, the
		// shape check included, so a hit needs none of them again.
		sum = sha256.Sum256([]byte(token))
		if e, ok := v.cache.get(sum, now); ok && v.m.verificationKey(e.kid, now) != nil {
			return e.principal, nil
		}
	}
	if !compactJWS(token) {
		return domain.Principal{}, domain.ErrInvalidToken("malformed token")
	}
	p, kid, err := v.verify(ctx, token, now)
	if err != nil {
		var r *rejection
		switch {
		case errors.As(err, &r):
			return domain.Principal{}, domain.ErrInvalidToken(r.desc).WithCause(err)
		case errors.Is(err, ports.ErrUnavailable):
			return domain.Principal{}, fmt.Errorf("builtin: verify access token: %w", err)
		case jws.IsVerificationError(err):
			return domain.Principal{}, domain.ErrInvalidToken("bad signature").WithCause(err)
		default:
			return domain.Principal{}, domain.ErrInvalidToken("malformed token").WithCause(err)
		}
	}
	if v.cache != nil {
		v.cache.put(sum, cachedToken{principal: p, kid: kid}, now)
	}
	return p, nil
}

func (v *Verifier) verify(ctx context.Context, token string, now time.Time) (domain.Principal, string, error) {
	var kid string
	// The key provider sees the protected header before any signature
	// check, which is where the header rules belong.
	pick := func(_ context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
		k, err := v.keyFor(ctx, sig.ProtectedHeaders(), now)
		if err != nil {
			return err
		}
		kid = k.rec.ID
		sink.Key(k.alg, k.public)
		return nil
	}
	payload, err := jws.Verify([]byte(token), jws.WithCompact(), jws.WithKeyProvider(jws.KeyProviderFunc(pick)))
	if err != nil {
		return domain.Principal{}, "", err
	}
	var c receivedClaims
	if err := json.Unmarshal(payload, &c); err != nil {
		return domain.Principal{}, "", &rejection{desc: "malformed claims"}
	}
	p, err := v.checkClaims(c, now)
	return p, kid, err
}

// keyFor applies the header rules and finds the published key named by kid,
// reloading the store once (rate-limited) if it is unknown.
func (v *Verifier) keyFor(ctx context.Context, h jws.Headers, now time.Time) (*loadedKey, error) {
	if !accessTokenType(h.Type()) {
		return nil, reject("wrong token type")
	}
	alg := h.Algorithm()
	if alg != jwa.ES256 && alg != jwa.RS256 {
		return nil, reject("algorithm not allowed")
	}
	// No extension is understood, so any critical one must fail (RFC 7515 §4.1.11).
	if len(h.Critical()) > 0 {
		return nil, reject("unsupported critical header")
	}
	kid := h.KeyID()
	if kid == "" {
		return nil, reject("missing key id")
	}
	k := v.m.verificationKey(kid, now)
	if k == nil {
		reloaded, err := v.m.reloadIfStale(ctx)
		if err != nil {
			return nil, err
		}
		if reloaded {
			k = v.m.verificationKey(kid, now)
		}
	}
	if k == nil {
		return nil, reject("unknown signing key")
	}
	if k.alg != alg {
		return nil, reject("algorithm not allowed")
	}
	return k, nil
}

func (v *Verifier) checkClaims(c receivedClaims, now time.Time) (domain.Principal, error) {
	switch {
	case c.Issuer != v.issuer:
		return domain.Principal{}, reject("wrong issuer")
	case c.Expiry == nil:
		return domain.Principal{}, reject("missing exp")
	case !now.Before(c.Expiry.Add(v.leeway)):
		return domain.Principal{}, reject("token expired")
	case c.NotBefore != nil && now.Add(v.leeway).Before(c.NotBefore.Time):
		return domain.Principal{}, reject("token not yet valid")
	case c.IssuedAt != nil && now.Add(v.leeway).Before(c.IssuedAt.Time):
		return domain.Principal{}, reject("token issued in the future")
	case !v.audiences.matches(c.Audience):
		return domain.Principal{}, reject("wrong audience")
	case c.Subject == "":
		return domain.Principal{}, reject("missing sub")
	}
	p := domain.Principal{
		Subject:   c.Subject,
		ClientID:  c.ClientID,
		Scopes:    c.scopes(),
		Audience:  []string(c.Audience),
		Issuer:    c.Issuer,
		TokenID:   c.TokenID,
		GrantID:   c.GrantID,
		ExpiresAt: c.Expiry.Time,
	}
	if c.IssuedAt != nil {
		p.IssuedAt = c.IssuedAt.Time
	}
	return p, nil
}

// accessTokenType accepts "at+jwt" and its full media type, in any case
// (RFC 9068 §2.1, RFC 7515 §4.1.9).
func accessTokenType(typ string) bool {
	return strings.EqualFold(typ, typAccessToken) || strings.EqualFold(typ, "application/"+typAccessToken)
}

// compactJWS reports whether token has the shape of a compact JWS in strict
// base64url, so that the JSON serialisation, padding and other encodings
// that decode to the same bytes never reach the parser or the cache.
func compactJWS(token string) bool {
	if len(token) == 0 || len(token) > maxTokenSize {
		return false
	}
	dots := 0
	for i := 0; i < len(token); i++ {
		switch c := token[i]; {
		case c == '.':
			dots++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}
