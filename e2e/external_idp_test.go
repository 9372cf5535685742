package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// startExternal starts Gatehouse in external mode trusting p, with short
// key-set lifetimes so a test can watch the cache age.
func startExternal(t *testing.T, p *idp, env ...string) *mcpServer {
	t.Helper()
	all := append([]string{
		"GATEHOUSE_AUTH__MODE=external",
		"GATEHOUSE_AUTH__EXTERNAL__ISSUER_URL=" + p.Issuer,
		"GATEHOUSE_AUTH__EXTERNAL__JWKS_CACHE_TTL=2s",
		"GATEHOUSE_AUTH__EXTERNAL__JWKS_STALE_WINDOW=3s",
		"GATEHOUSE_AUTH__EXTERNAL__JWKS_MIN_REFRESH_INTERVAL=100ms",
	}, env...)
	s := startServer(t, all...)
	p.storage.setAudience(s.Resource)
	return &mcpServer{server: s, Env: all}
}

// bearerTransport adds a fixed access token to every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connectBearer connects the go-sdk MCP client with a token it already has.
func connectBearer(t *testing.T, endpoint, token, version string) *mcp.ClientSession {
	t.Helper()
	transport := &mcp.StreamableClientTransport{
		Endpoint:   endpoint,
		HTTPClient: &http.Client{Transport: bearerTransport{token}, Timeout: 30 * time.Second},
		MaxRetries: -1,
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "gatehouse-e2e", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect with protocol %s: %v", version, err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

type externalWhoami struct {
	whoamiView
	Name  string `json:"name"`
	Email string `json:"email"`
}

// whoamiOver calls whoami through a client session and decodes it.
func whoamiOver(t *testing.T, cs *mcp.ClientSession) externalWhoami {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "whoami", Arguments: map[string]any{}})
	if err != nil {
		t.Fatalf("whoami: %v", err)
	}
	if res.IsError {
		t.Fatalf("whoami is a tool error: %s", sdkText(res))
	}
	raw, _ := json.Marshal(res.StructuredContent)
	return structured[externalWhoami](t, raw)
}

// Tokens of a real OpenID provider are accepted over both protocol eras,
// carry their scopes and profile to the tools, and keep being accepted when
// the provider rotates to a new key of another algorithm.
func TestExternalIdPTokensAndKeyRotation(t *testing.T) {
	p := startIDP(t)
	s := startExternal(t, p)

	rs256 := p.token(t, "read", "write")
	for _, version := range []string{modernMCP, legacyMCP} {
		cs := connectBearer(t, s.Resource, rs256, version)
		who := whoamiOver(t, cs)
		if who.Subject != idpClientID || who.Email != "service@idp.example" || who.Name != "E2E Service" {
			t.Errorf("%s: whoami = %+v, want the provider's subject and profile", version, who)
		}
		if strings.Join(who.Scopes, " ") != "read write" {
			t.Errorf("%s: whoami scopes = %v, want read write", version, who.Scopes)
		}
	}

	kid := p.storage.rotate(t, jose.ES256)
	// Unknown key ids refresh the key set at most once per
	// jwks_min_refresh_interval (100ms here), counted from the last fetch.
	time.Sleep(200 * time.Millisecond)
	es256 := p.token(t, "read")
	if h := jwtHeader(t, es256); h["kid"] != kid || h["alg"] != "ES256" {
		t.Fatalf("after rotation the provider signs with %v, want kid %s ES256", h, kid)
	}
	if ex := s.callTool(t, es256, "whoami", nil); ex.Status != http.StatusOK || rpcReplyOf(t, ex).Error != nil {
		t.Fatalf("token signed with the rotated ES256 key: %d %s", ex.Status, ex.Body)
	}
	if ex := s.callTool(t, rs256, "whoami", nil); ex.Status != http.StatusOK {
		t.Errorf("token signed with the previous, still published key: %d %s", ex.Status, ex.Body)
	}
	if ex := s.callTool(t, es256, "grants_revoke", map[string]any{"grant_id": "x"}); ex.Status != http.StatusForbidden {
		t.Errorf("tool needing write with a read token: %d, want 403", ex.Status)
	}
}

// When the provider goes away Gatehouse serves from the last good key set
// for the stale window, then fails closed with 503 (never 401, never a
// pass), reports not ready, and recovers by itself when the provider
// returns.
func TestExternalIdPOutage(t *testing.T) {
	p := startIDP(t)
	s := startExternal(t, p)
	seen := p.token(t, "read")
	if ex := s.callTool(t, seen, "whoami", nil); ex.Status != http.StatusOK {
		t.Fatalf("before the outage: %d %s", ex.Status, ex.Body)
	}
	unseen := p.token(t, "read")

	p.stop()
	if ex := s.callTool(t, unseen, "whoami", nil); ex.Status != http.StatusOK {
		t.Fatalf("right after the provider stopped (within the stale window): %d %s", ex.Status, ex.Body)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		ex := s.callTool(t, seen, "whoami", nil)
		if ex.Status == http.StatusServiceUnavailable {
			break
		}
		if ex.Status != http.StatusOK {
			t.Fatalf("during the outage: %d %s, want 200 (stale keys) and then 503", ex.Status, ex.Body)
		}
		if time.Now().After(deadline) {
			t.Fatal("still serving 20s after the provider went away: the stale window does not end")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ex := getStatus(t, s.URL+"/readyz"); ex != http.StatusServiceUnavailable {
		t.Errorf("/readyz during the outage: %d, want 503", ex)
	}
	if !s.waitOutput("failed to fetch JWKS", 5*time.Second) {
		t.Error("no log line says the key set could not be fetched")
	}

	p.start(t)
	deadline = time.Now().Add(20 * time.Second)
	for {
		ex := s.callTool(t, seen, "whoami", nil)
		if ex.Status == http.StatusOK {
			break
		}
		if ex.Status != http.StatusServiceUnavailable {
			t.Fatalf("while recovering: %d %s, want 503 until the keys are back", ex.Status, ex.Body)
		}
		if time.Now().After(deadline) {
			t.Fatal("not serving again 20s after the provider returned")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ex := getStatus(t, s.URL+"/readyz"); ex != http.StatusOK {
		t.Errorf("/readyz after recovery: %d, want 200", ex)
	}
}

func getStatus(t *testing.T, url string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	return do(t, req).Status
}

// Forged and unfit tokens are each refused with the right status, whatever
// they claim in their headers.
func TestExternalIdPForgedTokens(t *testing.T) {
	p := startIDP(t)
	s := startExternal(t, p)
	real := p.token(t, "read")
	claims := jwtClaims(t, real)
	now := time.Now().Unix()
	with := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{}
		for k, v := range claims {
			c[k] = v
		}
		edit(c)
		return c
	}
	current := p.storage.keys[0]
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaPub := publicKeyDER(t, p)

	tests := []struct {
		name   string
		token  string
		query  bool
		status int
		desc   string
	}{
		{"alg none", unsigned(t, map[string]any{"alg": "none", "kid": current.id}, claims), false, 401, ""},
		{"HS256 keyed with the public key", hmacSigned(t, current.id, rsaPub, claims), false, 401, ""},
		{"unknown kid", sign(t, "ES256", "not-a-key", stranger, claims), false, 401, "unknown signing key"},
		{"missing kid", sign(t, string(current.alg), "", current.key, claims), false, 401, "missing kid"},
		{"wrong issuer", sign(t, string(current.alg), current.id, current.key, with(func(c map[string]any) { c["iss"] = "https://evil.example" })), false, 401, "wrong issuer"},
		{"wrong audience", sign(t, string(current.alg), current.id, current.key, with(func(c map[string]any) { c["aud"] = "https://other.example/mcp" })), false, 401, "wrong audience"},
		{"expired", sign(t, string(current.alg), current.id, current.key, with(func(c map[string]any) { c["exp"] = now - 3600; c["iat"] = now - 7200 })), false, 401, "token expired"},
		{"not yet valid", sign(t, string(current.alg), current.id, current.key, with(func(c map[string]any) { c["nbf"] = now + 3600 })), false, 401, "not yet valid"},
		{"tampered payload", tamper(t, real, with(func(c map[string]any) { c["scope"] = "read write admin" })), false, 401, "signature verification failed"},
		{"missing the tool's scope", p.token(t, "profile"), false, 403, ""},
		{"token in the query string", real, true, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rpcCall{Method: "tools/call", Params: map[string]any{"name": "whoami", "arguments": map[string]any{}}, Bearer: tt.token}
			if tt.query {
				c.Query = "access_token=" + tt.token
			}
			ex := s.rpc(t, c)
			if ex.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", ex.Status, tt.status, ex.Body)
			}
			if tt.status == 401 {
				ch, _ := bearerChallenge(t, ex.Header)
				if ch["error"] != "invalid_token" {
					t.Errorf("challenge %v, want error=invalid_token", ch)
				}
				if tt.desc != "" && !strings.Contains(ch["error_description"], tt.desc) {
					t.Errorf("error_description %q, want it to say %q", ch["error_description"], tt.desc)
				}
			}
			if tt.status == 403 {
				if ch, _ := bearerChallenge(t, ex.Header); ch["error"] != "insufficient_scope" || ch["scope"] != "read" {
					t.Errorf("challenge %v, want insufficient_scope naming read", ch)
				}
			}
		})
	}
}

// The M3 seed's environment names alone configure a working external-mode
// server, required scopes included.
func TestExternalIdPFromM3Environment(t *testing.T) {
	p := startIDP(t)
	s := startServer(t,
		"M3_OAUTH2_ENABLED=true",
		"M3_OAUTH2_ISSUER_URL="+p.Issuer,
		"M3_OAUTH2_AUDIENCE=m3-api",
		"M3_OAUTH2_REQUIRED_SCOPES=read:mimic-data",
		"M3_OAUTH2_JWKS_CACHE_TTL=3600",
		"M3_OAUTH2_RATE_LIMIT_REQUESTS=100",
	)
	p.storage.setAudience("m3-api")
	ms := &mcpServer{server: s}

	ok := p.token(t, "read", "read:mimic-data")
	if ex := ms.callTool(t, ok, "whoami", nil); ex.Status != http.StatusOK || rpcReplyOf(t, ex).Error != nil {
		t.Fatalf("token with the required scope: %d %s", ex.Status, ex.Body)
	}
	lacking := p.token(t, "read")
	ex := ms.callTool(t, lacking, "whoami", nil)
	if ex.Status != http.StatusForbidden {
		t.Fatalf("token without the required scope: %d %s, want 403", ex.Status, ex.Body)
	}
	ch, _ := bearerChallenge(t, ex.Header)
	if ch["error"] != "insufficient_scope" || !strings.Contains(ch["error_description"], "Missing required scopes: read:mimic-data") {
		t.Errorf("challenge %v, want insufficient_scope saying which required scope is missing", ch)
	}
	res := getJSON(t, s.URL+"/.well-known/oauth-protected-resource/mcp")
	if as, _ := res["authorization_servers"].([]any); len(as) != 1 || as[0] != p.Issuer {
		t.Errorf("protected resource metadata names %v, want the external issuer %s", res["authorization_servers"], p.Issuer)
	}
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	ex := do(t, req)
	var m map[string]any
	if err := json.Unmarshal([]byte(ex.Body), &m); err != nil {
		t.Fatalf("GET %s: %d %q: %v", url, ex.Status, ex.Body, err)
	}
	return m
}

func jwtPart(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func jwtHeader(t *testing.T, tok string) map[string]any { return jwtPart(t, tok, 0) }
func jwtClaims(t *testing.T, tok string) map[string]any { return jwtPart(t, tok, 1) }

func b64json(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func unsigned(t *testing.T, header, claims map[string]any) string {
	return b64json(t, header) + "." + b64json(t, claims) + "."
}

// sign makes a JWS with go-jose; kid "" leaves the header without one.
func sign(t *testing.T, alg, kid string, key any, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hmacSigned is the classic key-confusion forgery: HS256 keyed with the
// bytes of the provider's public key.
func hmacSigned(t *testing.T, kid string, secret []byte, claims map[string]any) string {
	return sign(t, "HS256", kid, secret, claims)
}

// tamper swaps the payload of a genuine token, keeping its signature.
func tamper(t *testing.T, tok string, claims map[string]any) string {
	parts := strings.Split(tok, ".")
	return parts[0] + "." + b64json(t, claims) + "." + parts[2]
}

// publicKeyDER is the provider's current public key as published bytes.
func publicKeyDER(t *testing.T, p *idp) []byte {
	t.Helper()
	jwk := jose.JSONWebKey{Key: p.storage.keys[0].key.Public()}
	b, err := jwk.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
