package external

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"slices"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// minRSABits is the least RSA modulus accepted from a provider.
const minRSABits = 2048

// verKey is a public verification key from the provider's JWKS.
type verKey struct {
	public any    // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
	alg    string // the JWK's alg, "" when it names none
}

// fits reports whether the key may verify alg: the JWK's own alg must
// agree, and the key type must be the one alg is defined for, so that the
// token's header can never choose how a key is used.
func (k verKey) fits(alg jwa.SignatureAlgorithm) bool {
	if k.alg != "" && k.alg != alg.String() {
		return false
	}
	switch pub := k.public.(type) {
	case *rsa.PublicKey:
		switch alg {
		case jwa.RS256, jwa.RS384, jwa.RS512, jwa.PS256, jwa.PS384, jwa.PS512:
			return true
		}
	case *ecdsa.PublicKey:
		switch alg {
		case jwa.ES256:
			return pub.Curve == elliptic.P256()
		case jwa.ES384:
			return pub.Curve == elliptic.P384()
		case jwa.ES512:
			return pub.Curve == elliptic.P521()
		}
	case ed25519.PublicKey:
		return alg == jwa.EdDSA
	}
	return false
}

// keySet is an immutable snapshot of the provider's signing keys, swapped
// whole on refresh so that readers never lock.
type keySet struct {
	byKid     map[string][]verKey
	fetchedAt time.Time
	// expiresAt is when the set should be fetched again; zero for a static
	// file, which never expires.
	expiresAt time.Time
}

func (s *keySet) has(kid string) bool { return len(s.byKid[kid]) > 0 }

// fresh reports whether the set may be used at now without a refresh.
func (s *keySet) fresh(now time.Time) bool {
	return s.expiresAt.IsZero() || now.Before(s.expiresAt)
}

// errNoKeys marks a JWKS without a single usable signing key; it is
// treated as a failed fetch so that the last good set stays in use.
var errNoKeys = errors.New("JWKS holds no usable signing key")

// parseJWKS keeps the keys that may verify signatures: use "sig" or unset,
// key_ops including "verify" or unset, a kid, and an asymmetric key type
// of acceptable strength. Private members, if a provider leaks them, are
// dropped.
func parseJWKS(body []byte) (map[string][]verKey, error) {
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, errors.New("JWKS is not a valid key set")
	}
	byKid := make(map[string][]verKey)
	for i := range set.Len() {
		k, ok := set.Key(i)
		if !ok {
			continue
		}
		kid := k.KeyID()
		if kid == "" {
			continue
		}
		if use := k.KeyUsage(); use != "" && use != string(jwk.ForSignature) {
			continue
		}
		if ops := k.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
			continue
		}
		if k.KeyType() == jwa.OctetSeq {
			continue
		}
		pub, err := jwk.PublicRawKeyOf(k)
		if err != nil || !acceptablePublicKey(pub) {
			continue
		}
		byKid[kid] = append(byKid[kid], verKey{public: pub, alg: k.Algorithm().String()})
	}
	if len(byKid) == 0 {
		return nil, errNoKeys
	}
	return byKid, nil
}

func acceptablePublicKey(pub any) bool {
	switch p := pub.(type) {
	case *rsa.PublicKey:
		return p.N.BitLen() >= minRSABits
	case *ecdsa.PublicKey:
		return p.Curve == elliptic.P256() || p.Curve == elliptic.P384() || p.Curve == elliptic.P521()
	case ed25519.PublicKey:
		return len(p) == ed25519.PublicKeySize
	}
	return false
}
