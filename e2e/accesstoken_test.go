package e2e

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// accessClaims is what an RFC 9068 access token of Gatehouse says.
type accessClaims struct {
	Subject  string
	ClientID string
	Scope    []string
	Audience []string
	KeyID    string
	Lifetime time.Duration
}

// jwks fetches /auth/jwks.json and checks it publishes public keys only,
// each named by its RFC 7638 thumbprint.
func (s *server) jwks(t *testing.T) jwk.Set {
	t.Helper()
	ex := s.get(t, s.URL+"/auth/jwks.json")
	if ex.Status != http.StatusOK {
		t.Fatalf("jwks: want 200\n%s", ex)
	}
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(ex.Body), &raw); err != nil {
		t.Fatalf("jwks is not JSON: %v\n%s", err, ex)
	}
	for _, k := range raw.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, ok := k[private]; ok {
				t.Errorf("jwks key %v publishes private member %q", k["kid"], private)
			}
		}
	}
	set, err := jwk.Parse([]byte(ex.Body))
	if err != nil {
		t.Fatalf("jwks does not parse: %v\n%s", err, ex)
	}
	if set.Len() == 0 {
		t.Fatalf("jwks has no keys\n%s", ex)
	}
	for i := range set.Len() {
		key, _ := set.Key(i)
		if key.KeyID() == "" {
			t.Errorf("jwks key %d has no kid", i)
			continue
		}
		tp, err := key.Thumbprint(crypto.SHA256)
		if err != nil {
			t.Errorf("thumbprint of %s: %v", key.KeyID(), err)
			continue
		}
		if want := base64.RawURLEncoding.EncodeToString(tp); key.KeyID() != want {
			t.Errorf("kid = %q, want its JWK thumbprint %q", key.KeyID(), want)
		}
	}
	return set
}

// verifyAccessToken checks raw against the published keys and RFC 9068
// (typ at+jwt, iss, aud, exp, iat, jti, sub, client_id) and returns its claims.
func (s *server) verifyAccessToken(t *testing.T, raw string) accessClaims {
	t.Helper()
	set := s.jwks(t)
	msg, err := jws.Parse([]byte(raw))
	if err != nil || len(msg.Signatures()) != 1 {
		t.Fatalf("access token is not a compact JWS: %v", err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if typ := hdr.Type(); typ != "at+jwt" && typ != "application/at+jwt" {
		t.Errorf("typ = %q, want at+jwt", typ)
	}
	if hdr.Algorithm() != jwa.ES256 {
		t.Errorf("alg = %q, want ES256 by default", hdr.Algorithm())
	}
	if _, ok := set.LookupKeyID(hdr.KeyID()); !ok {
		t.Errorf("kid %q is not in /auth/jwks.json", hdr.KeyID())
	}
	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKeySet(set, jws.WithInferAlgorithmFromKey(true)),
		jwt.WithValidate(true),
		jwt.WithIssuer(s.URL),
		jwt.WithAudience(s.Resource),
		jwt.WithAcceptableSkew(5*time.Second),
	)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	if tok.JwtID() == "" {
		t.Error("access token has no jti")
	}
	if tok.Subject() == "" {
		t.Error("access token has no sub")
	}
	if tok.IssuedAt().IsZero() || tok.Expiration().IsZero() {
		t.Error("access token lacks iat or exp")
	}
	c := accessClaims{
		Subject:  tok.Subject(),
		Audience: tok.Audience(),
		KeyID:    hdr.KeyID(),
		Lifetime: tok.Expiration().Sub(tok.IssuedAt()),
	}
	if v, ok := tok.Get("client_id"); ok {
		c.ClientID, _ = v.(string)
	} else {
		t.Error("access token has no client_id")
	}
	if v, ok := tok.Get("scope"); ok {
		c.Scope = scopeSet(v)
	} else {
		t.Error("access token has no scope")
	}
	return c
}

func sortedScopes(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
