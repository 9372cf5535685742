package external

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"

	"gatehouse/domain"
	"gatehouse/ports"
)

const fuzzIssuer = "https://idp.fuzz.example/"

// fuzzKeys are derived from fixed bytes so that the fuzz coordinator and
// its workers, each running this setup, hold the same keys and agree on
// which seed tokens are valid.
func fuzzKeys(t testing.TB) (ed, es testKey) {
	t.Helper()
	seed := sha256.Sum256([]byte("gatehouse external fuzz ed25519"))
	edPriv := ed25519.NewKeyFromSeed(seed[:])
	scalar := sha256.Sum256([]byte("gatehouse external fuzz p256"))
	esPriv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	must(t, err)
	return wrapKey(t, edPriv, "fuzz-ed", jwa.EdDSA, true), wrapKey(t, esPriv, "fuzz-es", jwa.ES256, false)
}

// fuzzToken builds a token from header and claims with deterministic JSON
// (sorted keys), signed by k.
func fuzzToken(t testing.TB, k testKey, hdr, claims map[string]any) string {
	t.Helper()
	h, err := json.Marshal(hdr)
	must(t, err)
	c, err := json.Marshal(claims)
	must(t, err)
	enc := base64.RawURLEncoding.EncodeToString
	input := enc(h) + "." + enc(c)
	var sig []byte
	switch priv := k.priv.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, []byte(input))
	case *ecdsa.PrivateKey:
		sum := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, priv, sum[:])
		must(t, err)
		sig = make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	default:
		t.Fatalf("unsupported key %T", k.priv)
	}
	return input + "." + enc(sig)
}

func FuzzVerifyAccessToken(f *testing.F) {
	ed, es := fuzzKeys(f)
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	file := filepath.Join(f.TempDir(), "jwks.json")
	must(f, os.WriteFile(file, jwksJSON(f, ed, es), 0o600))

	const opaqueValid = "opaque-valid-token"
	intro := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp := map[string]any{"active": false}
		if r.PostFormValue("token") == opaqueValid {
			resp = map[string]any{"active": true, "sub": "fuzz-user", "aud": testAudience, "iss": fuzzIssuer}
		}
		_ = json.NewEncoder(w).Encode(resp)
	}))
	f.Cleanup(intro.Close)

	v, err := New(Config{
		IssuerURL: fuzzIssuer, Audience: testAudience, JWKSFile: file,
		Algorithms:  []string{"EdDSA", "ES256"},
		ValidateExp: true, ValidateAud: true, ValidateIss: true, RequireTyp: true,
		Introspection: &Introspection{URL: intro.URL, ClientID: "fuzz", ClientSecret: "secret"},
		HTTPClient:    intro.Client(),
		Clock:         func() time.Time { return now },
	})
	must(f, err)

	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{
			"iss": fuzzIssuer, "sub": "fuzz-user", "aud": testAudience,
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(), "scope": "read",
		}
		if edit != nil {
			edit(c)
		}
		return c
	}
	hdr := func(alg, kid string) map[string]any { return map[string]any{"alg": alg, "kid": kid, "typ": "at+jwt"} }

	validEd := fuzzToken(f, ed, hdr("EdDSA", "fuzz-ed"), claims(nil))
	validES := fuzzToken(f, es, hdr("ES256", "fuzz-es"), claims(nil))
	validInputs := map[string]bool{}
	for _, tok := range []string{validEd, validES} {
		validInputs[signingInput(tok)] = true
		if _, err := v.VerifyAccessToken(f.Context(), tok); err != nil {
			f.Fatalf("seed token refused: %v", err)
		}
	}

	parts := strings.Split(validEd, ".")
	seeds := []string{
		validEd, validES, opaqueValid, "opaque-other", "",
		fuzzToken(f, ed, hdr("EdDSA", "unknown"), claims(nil)),
		fuzzToken(f, ed, hdr("EdDSA", "fuzz-ed"), claims(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() })),
		fuzzToken(f, ed, hdr("EdDSA", "fuzz-ed"), claims(func(c map[string]any) { c["aud"] = "x" })),
		fuzzToken(f, es, hdr("EdDSA", "fuzz-es"), claims(nil)),
		rawToken(f, hdr("none", "fuzz-ed"), claims(nil), ""),
		signWith(f, jwa.HS256, []byte(ed.priv.Public().(ed25519.PublicKey)), "fuzz-ed", claims(nil), nil),
		parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2],
		parts[0] + "." + parts[1],
		parts[0] + "." + parts[1] + "." + parts[2] + "." + parts[2] + "." + parts[2],
		`{"payload":"` + parts[1] + `","signatures":[]}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, token string) {
		p, err := v.VerifyAccessToken(t.Context(), token)
		if err == nil {
			if token != opaqueValid && !validInputs[signingInput(token)] {
				t.Fatalf("accepted a token that no valid seed signed: %q", token)
			}
			if p.Subject != "fuzz-user" {
				t.Fatalf("accepted token has subject %q", p.Subject)
			}
			return
		}
		invalid := errors.Is(err, domain.ErrInvalidToken(""))
		unavailable := errors.Is(err, ports.ErrUnavailable)
		if invalid == unavailable {
			t.Fatalf("error %v: invalid_token=%v unavailable=%v, want exactly one", err, invalid, unavailable)
		}
	})
}

// signingInput is the header and payload segments of a compact token.
func signingInput(token string) string {
	if i := strings.LastIndexByte(token, '.'); i >= 0 {
		return token[:i]
	}
	return token
}
