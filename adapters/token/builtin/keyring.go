package builtin

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"

	"gatehouse/domain"
)

// rsaBits is the size of generated RSA keys and the least accepted on load.
const rsaBits = 2048

// loadedKey is a stored key parsed once, so that signing and verifying never
// touch JSON or big-number conversion again.
type loadedKey struct {
	rec       domain.SigningKey
	alg       jwa.SignatureAlgorithm
	private   crypto.Signer
	public    crypto.PublicKey
	publicJWK json.RawMessage // kid, alg, use and public members only
}

// publishedAt reports whether tokens signed by the key still verify at now.
func (k *loadedKey) publishedAt(now time.Time) bool {
	return k.rec.ExpiresAt.IsZero() || now.Before(k.rec.ExpiresAt)
}

// keyring is an immutable snapshot of the store, swapped whole on reload so
// that readers never lock.
type keyring struct {
	records []domain.SigningKey // everything the store listed, usable or not
	keys    []*loadedKey        // the parseable ones, newest first
	byID    map[string]*loadedKey
}

// signer returns the newest published, unretired key of alg, or nil.
func (r *keyring) signer(now time.Time, alg string) *loadedKey {
	for _, k := range r.keys {
		if k.rec.RetiredAt.IsZero() && k.rec.Algorithm == alg && k.publishedAt(now) {
			return k
		}
	}
	return nil
}

// verifier returns the key named kid if it is published at now, or nil.
func (r *keyring) verifier(kid string, now time.Time) *loadedKey {
	if k := r.byID[kid]; k != nil && k.publishedAt(now) {
		return k
	}
	return nil
}

// buildKeyring parses recs, reusing the parse of keys prev already holds.
// Unusable records are returned as errors by kid for the caller to log; they
// stay in records so that rotation and pruning still manage them.
func buildKeyring(recs []domain.SigningKey, prev *keyring) (*keyring, map[string]error) {
	r := &keyring{records: recs, byID: make(map[string]*loadedKey, len(recs))}
	var bad map[string]error
	for _, rec := range recs {
		var k *loadedKey
		if old := prev.byID[rec.ID]; old != nil && old.rec.Algorithm == rec.Algorithm && bytes.Equal(old.rec.PrivateJWK, rec.PrivateJWK) {
			cp := *old
			cp.rec = rec // retirement and expiry may have changed
			k = &cp
		} else {
			var err error
			if k, err = parseKey(rec); err != nil {
				if bad == nil {
					bad = map[string]error{}
				}
				bad[rec.ID] = err
				continue
			}
		}
		r.keys = append(r.keys, k)
		r.byID[rec.ID] = k
	}
	return r, bad
}

// generateKey makes a fresh key whose id is its RFC 7638 thumbprint.
func generateKey(alg string, now time.Time) (domain.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case AlgES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case AlgRS256:
		priv, err = rsa.GenerateKey(rand.Reader, rsaBits)
	default:
		return domain.SigningKey{}, fmt.Errorf("builtin: unsupported signing algorithm %q", alg)
	}
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("builtin: generate %s key: %w", alg, err)
	}
	jk, err := jwk.FromRaw(priv)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("builtin: wrap %s key: %w", alg, err)
	}
	kid, err := thumbprint(jk)
	if err != nil {
		return domain.SigningKey{}, err
	}
	if err := setKeyFields(jk, kid, alg); err != nil {
		return domain.SigningKey{}, err
	}
	raw, err := json.Marshal(jk)
	if err != nil {
		return domain.SigningKey{}, fmt.Errorf("builtin: marshal %s key: %w", alg, err)
	}
	return domain.SigningKey{ID: kid, Algorithm: alg, PrivateJWK: raw, CreatedAt: now}, nil
}

// thumbprint is the base64url SHA-256 JWK thumbprint (RFC 7638); it covers
// the public members only, so a private key and its public half agree.
func thumbprint(k jwk.Key) (string, error) {
	sum, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("builtin: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(sum), nil
}

func setKeyFields(k jwk.Key, kid, alg string) error {
	if err := k.Set(jwk.KeyIDKey, kid); err != nil {
		return fmt.Errorf("builtin: set kid: %w", err)
	}
	if err := k.Set(jwk.AlgorithmKey, jwa.SignatureAlgorithm(alg)); err != nil {
		return fmt.Errorf("builtin: set alg: %w", err)
	}
	return nil
}

// errBadKey hides the parser's message, which could quote key material.
var errBadKey = errors.New("stored private JWK is not a usable key")

// parseKey turns a stored record into signing and verification material and
// checks that the key type fits the algorithm.
func parseKey(rec domain.SigningKey) (*loadedKey, error) {
	jk, err := jwk.ParseKey(rec.PrivateJWK)
	if err != nil {
		return nil, errBadKey
	}
	var raw any
	if err := jk.Raw(&raw); err != nil {
		return nil, errBadKey
	}
	var priv crypto.Signer
	switch rec.Algorithm {
	case AlgES256:
		ec, ok := raw.(*ecdsa.PrivateKey)
		if !ok || ec.Curve != elliptic.P256() {
			return nil, fmt.Errorf("%w: ES256 needs a P-256 private key", errBadKey)
		}
		priv = ec
	case AlgRS256:
		rk, ok := raw.(*rsa.PrivateKey)
		if !ok || rk.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("%w: RS256 needs an RSA private key of at least %d bits", errBadKey, rsaBits)
		}
		priv = rk
	default:
		return nil, fmt.Errorf("%w: unsupported algorithm %q", errBadKey, rec.Algorithm)
	}
	pub, err := jwk.FromRaw(priv.Public())
	if err != nil {
		return nil, errBadKey
	}
	if err := setKeyFields(pub, rec.ID, rec.Algorithm); err != nil {
		return nil, err
	}
	if err := pub.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return nil, fmt.Errorf("builtin: set use: %w", err)
	}
	pj, err := json.Marshal(pub)
	if err != nil {
		return nil, fmt.Errorf("builtin: marshal public key: %w", err)
	}
	return &loadedKey{
		rec:       rec,
		alg:       jwa.SignatureAlgorithm(rec.Algorithm),
		private:   priv,
		public:    priv.Public(),
		publicJWK: pj,
	}, nil
}
