package e2e

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/oauth2/clientcredentials"
)

// The external identity provider of these tests is the example OpenID
// Provider of github.com/zitadel/oidc, an OpenID-certified library: its
// discovery, JWKS and token endpoints and its JWT signing are the library's.
// The test only plugs in what the example leaves to a deployment: the
// service client, the audience of its tokens, and the signing keys (so
// they can be rotated and be ES256 as well as RS256).

const (
	idpClientID     = "gatehouse-e2e-service"
	idpClientSecret = "e2e-service-secret"
)

// idp is a running OpenID provider on a fixed loopback port, so that it can
// be stopped and started again at the same issuer.
type idp struct {
	Issuer  string
	addr    string
	storage *idpStorage
	mu      sync.Mutex
	srv     *http.Server
}

func startIDP(t *testing.T) *idp {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p := &idp{Issuer: "http://" + addr, addr: addr}
	p.storage = &idpStorage{Storage: storage.NewStorage(storage.NewUserStore("http://" + addr))}
	p.storage.rotate(t, jose.RS256)
	p.start(t)
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *idp) start(t *testing.T) {
	t.Helper()
	router := exampleop.SetupServer(p.Issuer, p.storage, nil, false)
	var ln net.Listener
	var err error
	// The port was free a moment ago; after a stop the kernel may need a
	// moment to release it.
	for range 50 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("identity provider listen %s: %v", p.addr, err)
	}
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 5 * time.Second}
	p.mu.Lock()
	p.srv = srv
	p.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

func (p *idp) stop() {
	p.mu.Lock()
	srv := p.srv
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// token gets an access token for the service client by client_credentials,
// through golang.org/x/oauth2 against the provider's token endpoint.
func (p *idp) token(t *testing.T, scopes ...string) string {
	t.Helper()
	cc := clientcredentials.Config{
		ClientID: idpClientID, ClientSecret: idpClientSecret,
		TokenURL: p.Issuer + "/oauth/token", Scopes: scopes,
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client_credentials at the identity provider: %v", err)
	}
	if strings.Count(tok.AccessToken, ".") != 2 {
		t.Fatalf("identity provider issued %q, want a JWT access token", tok.AccessToken)
	}
	return tok.AccessToken
}

// idpStorage is the example provider's storage with a JWT service client
// and rotatable signing keys.
type idpStorage struct {
	*storage.Storage

	mu       sync.Mutex
	audience string
	keys     []idpKey // current first
}

type idpKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

func (k idpKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k idpKey) Key() any                                    { return k.key }
func (k idpKey) ID() string                                  { return k.id }

type idpPublicKey struct{ idpKey }

func (k idpPublicKey) Algorithm() jose.SignatureAlgorithm { return k.alg }
func (k idpPublicKey) Use() string                        { return "sig" }
func (k idpPublicKey) Key() any                           { return k.key.Public() }

// rotate makes a new key of alg the signing key; older keys stay published.
func (s *idpStorage) rotate(t *testing.T, alg jose.SignatureAlgorithm) string {
	t.Helper()
	var k crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		t.Fatalf("rotate: unsupported %s", alg)
	}
	if err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("e2e-%s-%d", strings.ToLower(string(alg)), len(s.keys)+1)
	s.keys = append([]idpKey{{id: id, alg: alg, key: k}}, s.keys...)
	return id
}

func (s *idpStorage) setAudience(aud string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.audience = aud
}

func (s *idpStorage) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[0], nil
}

func (s *idpStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return []jose.SignatureAlgorithm{s.keys[0].alg}, nil
}

func (s *idpStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		out[i] = idpPublicKey{k}
	}
	return out, nil
}

// jwtServiceClient is the example's web client, issuing JWT access tokens
// by client_credentials.
type jwtServiceClient struct{ *storage.Client }

func (jwtServiceClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (jwtServiceClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}
func (jwtServiceClient) IsScopeAllowed(string) bool { return true }
func (jwtServiceClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (s *idpStorage) ClientCredentials(ctx context.Context, id, secret string) (op.Client, error) {
	if id != idpClientID || secret != idpClientSecret {
		return nil, errors.New("wrong client or secret")
	}
	return jwtServiceClient{storage.WebClient(idpClientID, idpClientSecret)}, nil
}

func (s *idpStorage) ClientCredentialsTokenRequest(_ context.Context, id string, scopes []string) (op.TokenRequest, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &oidc.JWTTokenRequest{Subject: id, Audience: []string{s.audience}, Scopes: scopes}, nil
}

// GetPrivateClaimsFromScopes puts the granted scopes and a profile into
// the access token, as providers with API permissions do.
func (s *idpStorage) GetPrivateClaimsFromScopes(_ context.Context, _, _ string, scopes []string) (map[string]any, error) {
	return map[string]any{"scope": strings.Join(scopes, " "), "email": "service@idp.example", "name": "E2E Service"}, nil
}
