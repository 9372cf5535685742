package external

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// maxTokenSize rejects oversized input before any decoding. Provider
// tokens run larger than ours (Azure AD puts group lists in them).
const maxTokenSize = 16 << 10

// typAccessToken is the RFC 9068 JOSE typ of a JWT access token.
const typAccessToken = "at+jwt"

// strictB64 is unpadded base64url that refuses non-zero trailing bits, so
// each token has exactly one spelling: no other string decodes to the same
// bytes and then hits a cache entry or verifies as a "different" token.
var strictB64 = base64.RawURLEncoding.Strict()

// header is the protected JOSE header as the verifier reads it.
type header struct {
	alg, kid, typ string
	// algOK is false when alg is absent or not a string.
	algOK bool
	crit  bool // any crit member
	b64   bool // any b64 member (RFC 7797)
}

// parseCompact accepts a compact JWS with three strictly base64url segments
// whose header is a JSON object; anything else is not a JWS.
func parseCompact(token string) (header, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return header{}, false
	}
	raw, err := strictB64.DecodeString(parts[0])
	if err != nil {
		return header{}, false
	}
	for _, p := range parts[1:] {
		if _, err := strictB64.DecodeString(p); err != nil {
			return header{}, false
		}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return header{}, false
	}
	var h header
	h.alg, h.algOK = jsonString(m["alg"])
	h.kid, _ = jsonString(m["kid"])
	h.typ, _ = jsonString(m["typ"])
	_, h.crit = m["crit"]
	_, h.b64 = m["b64"]
	return h, true
}

// checkHeader applies the allow-list before any key is looked up.
func (v *Verifier) checkHeader(h header) (jwa.SignatureAlgorithm, error) {
	if !h.algOK {
		return "", reject("malformed token")
	}
	alg, ok := v.algs[h.alg]
	if !ok || forbiddenAlg(h.alg) {
		return "", reject("algorithm not allowed")
	}
	// No extension is understood, so a critical one must fail (RFC 7515
	// §4.1.11); b64=false would change what the signature covers.
	if h.crit || h.b64 {
		return "", reject("unsupported header")
	}
	if h.kid == "" {
		return "", reject("missing kid")
	}
	if v.cfg.RequireTyp && !accessTokenType(h.typ) {
		return "", reject("wrong token type")
	}
	return alg, nil
}

// verifySignature checks the signature with the allow-listed alg and the
// keys chosen by kid. jwx parses the header again, so it must read the same
// alg and kid that selected the keys.
func verifySignature(token string, h header, alg jwa.SignatureAlgorithm, keys []any) ([]byte, error) {
	pick := func(_ context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
		ph := sig.ProtectedHeaders()
		if ph.Algorithm() != alg || ph.KeyID() != h.kid {
			return reject("malformed token")
		}
		for _, k := range keys {
			sink.Key(alg, k)
		}
		return nil
	}
	payload, err := jws.Verify([]byte(token), jws.WithCompact(), jws.WithKeyProvider(jws.KeyProviderFunc(pick)))
	if err != nil {
		var r *rejection
		switch {
		case errors.As(err, &r):
			return nil, err
		case jws.IsVerificationError(err):
			return nil, wrapRejection("signature verification failed", err)
		default:
			return nil, wrapRejection("malformed token", err)
		}
	}
	return payload, nil
}

// accessTokenType accepts "at+jwt" and its full media type, in any case
// (RFC 9068 §2.1, RFC 7515 §4.1.9).
func accessTokenType(typ string) bool {
	return strings.EqualFold(typ, typAccessToken) || strings.EqualFold(typ, "application/"+typAccessToken)
}

// opaqueToken reports whether token is an RFC 6750 b64token, the only
// form worth sending to an introspection endpoint.
func opaqueToken(token string) bool {
	body := strings.TrimRight(token, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
