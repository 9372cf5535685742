package builtin

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
	"gatehouse/ports"
)

// rfc7638 computes the thumbprint from the raw public key, independently of
// jwx: SHA-256 over the required members in lexicographic order.
func rfc7638(t *testing.T, privateJWK []byte) string {
	t.Helper()
	k, err := jwk.ParseKey(privateJWK)
	if err != nil {
		t.Fatal(err)
	}
	var raw any
	if err := k.Raw(&raw); err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	var canonical string
	switch p := raw.(type) {
	case *ecdsa.PrivateKey:
		pt, err := p.PublicKey.Bytes() // 0x04 || X || Y
		if err != nil {
			t.Fatal(err)
		}
		canonical = fmt.Sprintf(`{"crv":"P-256","kty":"EC","x":"%s","y":"%s"}`, enc(pt[1:33]), enc(pt[33:]))
	case *rsa.PrivateKey:
		e := big.NewInt(int64(p.E)).Bytes()
		canonical = fmt.Sprintf(`{"e":"%s","kty":"RSA","n":"%s"}`, enc(e), enc(p.N.Bytes()))
	default:
		t.Fatalf("unexpected key type %T", raw)
	}
	sum := sha256.Sum256([]byte(canonical))
	return enc(sum[:])
}

func storedKeys(t *testing.T, s *fakeKeyStore) []domain.SigningKey {
	t.Helper()
	keys, err := s.ListKeys(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func TestGeneratedKey(t *testing.T) {
	tests := []struct {
		alg       string
		jwkFields []string
	}{
		{AlgES256, []string{"alg", "crv", "kid", "kty", "use", "x", "y"}},
		{AlgRS256, []string{"alg", "e", "kid", "kty", "n", "use"}},
	}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			e := newEnv(t, tt.alg)
			keys := storedKeys(t, e.store)
			if len(keys) != 1 {
				t.Fatalf("stored %d keys, want 1", len(keys))
			}
			k := keys[0]
			if got, want := k.ID, rfc7638(t, k.PrivateJWK); got != want {
				t.Errorf("kid = %q, want RFC 7638 thumbprint %q", got, want)
			}
			if k.Algorithm != tt.alg || !k.CreatedAt.Equal(e.clock.Now()) || !k.RetiredAt.IsZero() || !k.ExpiresAt.IsZero() {
				t.Errorf("stored key = %+v, want alg %s, created now, not retired, no expiry", k, tt.alg)
			}

			tok := e.mustIssue(t, e.claims())
			hdr := segment(t, tok, 0)
			want := map[string]any{"alg": tt.alg, "kid": k.ID, "typ": "at+jwt"}
			if diff := cmp.Diff(want, hdr); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}

			var set struct{ Keys []map[string]any }
			raw, err := e.keys.PublicJWKS(t.Context())
			if err != nil {
				t.Fatalf("PublicJWKS: %v", err)
			}
			if err := json.Unmarshal(raw, &set); err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 {
				t.Fatalf("jwks has %d keys, want 1: %s", len(set.Keys), raw)
			}
			var fields []string
			for f := range set.Keys[0] {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			if diff := cmp.Diff(tt.jwkFields, fields); diff != "" {
				t.Errorf("public JWK members (-want +got):\n%s", diff)
			}
			if set.Keys[0]["kid"] != k.ID || set.Keys[0]["use"] != "sig" || set.Keys[0]["alg"] != tt.alg {
				t.Errorf("public JWK = %v, want kid %s, use sig, alg %s", set.Keys[0], k.ID, tt.alg)
			}

			// A resource server using only the JWKS verifies our token.
			pub, err := jwk.Parse(raw)
			if err != nil {
				t.Fatalf("jwk.Parse: %v", err)
			}
			if _, err := jws.Verify([]byte(tok), jws.WithKeySet(pub, jws.WithRequireKid(true))); err != nil {
				t.Errorf("verify with published JWKS: %v", err)
			}
		})
	}
}

func TestEnsureKeyIdempotent(t *testing.T) {
	e := newEnv(t, AlgES256)
	first := e.store.ids(t)
	if err := e.keys.EnsureKey(t.Context()); err != nil {
		t.Fatalf("second EnsureKey: %v", err)
	}
	if err := NewKeyManager(e.store, e.cfg).EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey of another replica: %v", err)
	}
	if diff := cmp.Diff(first, e.store.ids(t)); diff != "" {
		t.Errorf("keys changed (-first +now):\n%s", diff)
	}
}

func TestEnsureKeyLostRace(t *testing.T) {
	s := &fakeKeyStore{}
	// Another replica stores the very record first.
	s.beforeAdd = func(s *fakeKeyStore, k domain.SigningKey) error {
		if err := s.addLocked(k); err != nil {
			return err
		}
		return ports.ErrAlreadyExists
	}
	m := NewKeyManager(s, Config{Issuer: testIssuer})
	if err := m.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	if m.signingKey(time.Now()) == nil {
		t.Fatal("no signing key after losing the race")
	}
}

func TestEnsureKeyErrors(t *testing.T) {
	driverErr := errors.New("dial tcp: connection refused")
	tests := []struct {
		name    string
		store   *fakeKeyStore
		alg     string
		wantErr error // nil: any error
	}{
		{"list unavailable", &fakeKeyStore{err: ports.ErrUnavailable}, AlgES256, ports.ErrUnavailable},
		{"list driver error", &fakeKeyStore{err: driverErr}, AlgES256, ports.ErrUnavailable},
		{"add fails", &fakeKeyStore{beforeAdd: func(*fakeKeyStore, domain.SigningKey) error { return ports.ErrConflict }}, AlgES256, ports.ErrConflict},
		{"unsupported algorithm", &fakeKeyStore{}, "HS256", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NewKeyManager(tt.store, Config{Issuer: testIssuer, Algorithm: tt.alg}).EnsureKey(t.Context())
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("EnsureKey err = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestEnsureKeySkipsUnusableKey(t *testing.T) {
	s := &fakeKeyStore{keys: []domain.SigningKey{{ID: "broken", Algorithm: AlgES256, PrivateJWK: []byte(`{"kty":"EC"}`)}}}
	m := NewKeyManager(s, Config{Issuer: testIssuer})
	if err := m.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	if k := m.signingKey(time.Now()); k == nil || k.rec.ID == "broken" {
		t.Fatalf("signing key = %v, want a fresh one", k)
	}
}

func TestAlgorithmChange(t *testing.T) {
	e := newEnv(t, AlgES256)
	esTok := e.mustIssue(t, e.claims())
	cfg := e.cfg
	cfg.Algorithm = AlgRS256
	rs := NewKeyManager(e.store, cfg)
	if err := rs.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey RS256: %v", err)
	}
	if k := rs.signingKey(e.clock.Now()); k == nil || k.rec.Algorithm != AlgRS256 {
		t.Fatalf("signing key = %v, want RS256", k)
	}
	rsTok, err := NewIssuer(rs).IssueAccessToken(t.Context(), e.claims())
	if err != nil {
		t.Fatal(err)
	}
	v := NewVerifier(rs, cfg)
	for name, tok := range map[string]string{"ES256": esTok, "RS256": rsTok} {
		if _, err := v.VerifyAccessToken(t.Context(), tok); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}
}

func TestLogsCarryNoKeyMaterial(t *testing.T) {
	var buf bytes.Buffer
	s := &fakeKeyStore{}
	cfg := Config{Issuer: testIssuer, Logger: slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	m := NewKeyManager(s, cfg)
	if err := m.EnsureKey(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Rotate(t.Context(), 0); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Fatal("nothing logged")
	}
	for _, k := range storedKeys(t, s) {
		var priv struct{ D string }
		if err := json.Unmarshal(k.PrivateJWK, &priv); err != nil || priv.D == "" {
			t.Fatalf("stored JWK has no private member: %v", err)
		}
		if strings.Contains(buf.String(), priv.D) {
			t.Errorf("logs contain private key material:\n%s", buf.String())
		}
	}
}
