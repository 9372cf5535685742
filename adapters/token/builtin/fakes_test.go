package builtin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jws"

	"gatehouse/domain"
	"gatehouse/ports"
)

// fakeKeyStore is a minimal in-memory ports.KeyStore with failure injection.
type fakeKeyStore struct {
	mu   sync.Mutex
	keys []domain.SigningKey // insertion order
	// err, when set, is returned by every method.
	err error
	// beforeAdd, when set, runs inside AddKey and may replace its result.
	beforeAdd func(s *fakeKeyStore, k domain.SigningKey) error
}

var _ ports.KeyStore = (*fakeKeyStore)(nil)

func (s *fakeKeyStore) ListKeys(context.Context) ([]domain.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	out := slices.Clone(s.keys)
	slices.Reverse(out)
	slices.SortStableFunc(out, func(a, b domain.SigningKey) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s *fakeKeyStore) AddKey(_ context.Context, k domain.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.beforeAdd != nil {
		if err := s.beforeAdd(s, k); err != nil {
			return err
		}
	}
	return s.addLocked(k)
}

func (s *fakeKeyStore) addLocked(k domain.SigningKey) error {
	if slices.ContainsFunc(s.keys, func(o domain.SigningKey) bool { return o.ID == k.ID }) {
		return ports.ErrAlreadyExists
	}
	s.keys = append(s.keys, k)
	return nil
}

func (s *fakeKeyStore) UpdateKey(_ context.Context, k domain.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	i := slices.IndexFunc(s.keys, func(o domain.SigningKey) bool { return o.ID == k.ID })
	if i < 0 {
		return ports.ErrNotFound
	}
	s.keys[i] = k
	return nil
}

func (s *fakeKeyStore) DeleteKey(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	i := slices.IndexFunc(s.keys, func(o domain.SigningKey) bool { return o.ID == id })
	if i < 0 {
		return ports.ErrNotFound
	}
	s.keys = slices.Delete(s.keys, i, i+1)
	return nil
}

func (s *fakeKeyStore) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *fakeKeyStore) ids(t *testing.T) []string {
	t.Helper()
	keys, err := s.ListKeys(t.Context())
	if err != nil {
		t.Fatalf("ListKeys: %v", err)
	}
	var ids []string
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

const (
	testIssuer   = "https://auth.example.com"
	testResource = "https://mcp.example.com/mcp"
)

// env is one issuer/verifier pair over a fake store and clock.
type env struct {
	store  *fakeKeyStore
	clock  *fakeClock
	cfg    Config
	keys   *KeyManager
	issuer *Issuer
	verify *Verifier
}

func newEnv(t testing.TB, alg string) *env {
	t.Helper()
	e := &env{store: &fakeKeyStore{}, clock: newFakeClock()}
	e.cfg = Config{
		Issuer:    testIssuer,
		Algorithm: alg,
		Audiences: []string{testResource},
		Leeway:    30 * time.Second,
		Clock:     e.clock.Now,
	}
	e.keys = NewKeyManager(e.store, e.cfg)
	if err := e.keys.EnsureKey(context.Background()); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	e.issuer = NewIssuer(e.keys)
	e.verify = NewVerifier(e.keys, e.cfg)
	return e
}

// claims returns valid claims for a token issued now, living an hour.
func (e *env) claims() domain.AccessTokenClaims {
	now := e.clock.Now()
	return domain.AccessTokenClaims{
		Subject:   "alice",
		Audience:  []string{testResource},
		ClientID:  "client-1",
		Scopes:    domain.NewScopes("tools:read", "tools:call"),
		TokenID:   "jti-1",
		GrantID:   "grant-1",
		IssuedAt:  now,
		ExpiresAt: now.Add(time.Hour),
	}
}

func (e *env) mustIssue(t testing.TB, c domain.AccessTokenClaims) string {
	t.Helper()
	tok, err := e.issuer.IssueAccessToken(context.Background(), c)
	if err != nil {
		t.Fatalf("IssueAccessToken: %v", err)
	}
	return tok
}

// signRaw signs arbitrary header fields and claims with the current key,
// for tokens the issuer would never produce.
func (e *env) signRaw(t testing.TB, header map[string]any, claims map[string]any) string {
	t.Helper()
	k := e.keys.signingKey(e.clock.Now())
	if k == nil {
		t.Fatal("no signing key")
	}
	return signWith(t, k, header, claims)
}

// signWith builds the header by hand, so that even alg can lie about the
// key, and signs with k.
func signWith(t testing.TB, k *loadedKey, header map[string]any, claims map[string]any) string {
	t.Helper()
	h := map[string]any{"alg": string(k.alg), "typ": typAccessToken, "kid": k.rec.ID}
	for name, v := range header {
		if v == "" {
			delete(h, name)
		} else {
			h[name] = v
		}
	}
	signingInput := b64(h) + "." + b64(claims)
	signer, err := jws.NewSigner(k.alg)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign([]byte(signingInput), k.private)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// rawClaims is the claim set the issuer would sign for e.claims().
func (e *env) rawClaims() map[string]any {
	now := e.clock.Now()
	return map[string]any{
		"iss": testIssuer, "sub": "alice", "aud": testResource,
		"exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
		"jti": "jti-1", "client_id": "client-1", "scope": "tools:call tools:read",
	}
}

func b64(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// segment decodes part i of a compact JWS into a map.
func segment(t testing.TB, tok string, i int) map[string]any {
	t.Helper()
	parts := splitToken(t, tok)
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decode segment %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("unmarshal segment %d: %v", i, err)
	}
	return m
}

func splitToken(t testing.TB, tok string) []string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	return parts
}
