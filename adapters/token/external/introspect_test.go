package external

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
)

// introspection is a fake RFC 7662 endpoint answering from a table.
type introspection struct {
	t       *testing.T
	mu      sync.Mutex
	answers map[string]map[string]any // token → response
	status  int
	calls   int
	// last request's credentials and form
	user, pass, hint string
}

func (f *introspection) handler(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if r.Method != http.MethodPost {
		f.t.Errorf("introspection method %s, want POST", r.Method)
	}
	f.user, f.pass, _ = r.BasicAuth()
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("parse form: %v", err)
	}
	f.hint = r.PostForm.Get("token_type_hint")
	if f.status != 0 {
		w.WriteHeader(f.status)
		return
	}
	resp, ok := f.answers[r.PostForm.Get("token")]
	if !ok {
		resp = map[string]any{"active": false}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *introspection) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *introspection) setStatus(s int) {
	f.mu.Lock()
	f.status = s
	f.mu.Unlock()
}

func newIntrospectionSetup(t *testing.T, discovered bool) (*Verifier, *provider, *introspection, *fakeClock) {
	clock := newClock()
	p := newProvider(t, "/")
	now := clock.Now()
	f := &introspection{t: t, answers: map[string]map[string]any{
		"opaque-active": {
			"active": true, "sub": "user-9", "client_id": "cli", "scope": "read tools:run",
			"aud": testAudience, "iss": p.issuer, "exp": now.Add(time.Hour).Unix(), "iat": now.Unix(),
			"jti": "op-1", "token_type": "Bearer",
		},
		"opaque-short":     {"active": true, "sub": "user-9", "aud": testAudience, "exp": now.Add(time.Minute).Unix()},
		"opaque-other-aud": {"active": true, "sub": "user-9", "aud": "https://other.example"},
		"opaque-other-iss": {"active": true, "sub": "user-9", "aud": testAudience, "iss": "https://evil.example"},
		"opaque-expired":   {"active": true, "sub": "user-9", "aud": testAudience, "exp": now.Add(-time.Hour).Unix()},
		"opaque-refresh":   {"active": true, "sub": "user-9", "aud": testAudience, "token_type": "refresh_token"},
		"opaque-no-sub":    {"active": true, "aud": testAudience},
	}}
	p.introspect = f.handler
	cfg := p.config(clock)
	cfg.Introspection = &Introspection{ClientID: "gate house:1", ClientSecret: "p&ss word"}
	if !discovered {
		cfg.Introspection.URL = p.srv.URL + "/introspect"
	}
	return newVerifier(t, cfg), p, f, clock
}

func TestIntrospectionActiveToken(t *testing.T) {
	for _, discovered := range []bool{false, true} {
		name := map[bool]string{false: "configured URL", true: "discovered endpoint"}[discovered]
		t.Run(name, func(t *testing.T) {
			v, p, f, clock := newIntrospectionSetup(t, discovered)
			got, err := v.VerifyAccessToken(t.Context(), "opaque-active")
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			now := clock.Now()
			want := domain.Principal{
				Subject: "user-9", ClientID: "cli", Scopes: domain.Scopes{"read", "tools:run"},
				Audience: []string{testAudience}, Issuer: p.issuer, TokenID: "op-1",
				IssuedAt: now, ExpiresAt: now.Add(time.Hour),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("principal (-want +got):\n%s", diff)
			}
			// RFC 6749 §2.3.1: id and secret are form-encoded inside Basic.
			f.mu.Lock()
			defer f.mu.Unlock()
			if f.user != "gate+house%3A1" || f.pass != "p%26ss+word" {
				t.Errorf("basic credentials (%q, %q), want form-encoded id and secret", f.user, f.pass)
			}
			if f.hint != "access_token" {
				t.Errorf("token_type_hint = %q, want access_token", f.hint)
			}
		})
	}
}

func TestIntrospectionRefusals(t *testing.T) {
	v, _, _, _ := newIntrospectionSetup(t, false)
	tests := []struct{ token, desc string }{
		{"opaque-unknown", "token is not active"},
		{"opaque-other-aud", "wrong audience"},
		{"opaque-other-iss", "wrong issuer"},
		{"opaque-expired", "token expired"},
		{"opaque-refresh", "not an access token"},
		{"opaque-no-sub", "missing subject"},
		{"not a b64token!", "malformed token"},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			_, err := v.VerifyAccessToken(t.Context(), tt.token)
			wantInvalid(t, err, tt.desc)
		})
	}
}

func TestIntrospectionResultsCached(t *testing.T) {
	v, _, f, clock := newIntrospectionSetup(t, false)
	wantCalls := func(want int, why string) {
		t.Helper()
		if n := f.callCount(); n != want {
			t.Fatalf("introspection calls = %d, want %d (%s)", n, want, why)
		}
	}
	for range 3 {
		if _, err := v.VerifyAccessToken(t.Context(), "opaque-active"); err != nil {
			t.Fatalf("verify: %v", err)
		}
	}
	wantCalls(1, "active result cached")

	// An entry never outlives the token's exp.
	if _, err := v.VerifyAccessToken(t.Context(), "opaque-short"); err != nil {
		t.Fatalf("verify short-lived: %v", err)
	}
	clock.Advance(time.Minute)
	_, err := v.VerifyAccessToken(t.Context(), "opaque-short")
	wantInvalid(t, err, "token expired")
	wantCalls(3, "short-lived token asked again at its exp")

	clock.Advance(introspectPositiveTTL - time.Minute)
	if _, err := v.VerifyAccessToken(t.Context(), "opaque-active"); err != nil {
		t.Fatalf("verify: %v", err)
	}
	wantCalls(4, "active result expired after the positive TTL")

	for range 2 {
		_, err := v.VerifyAccessToken(t.Context(), "opaque-unknown")
		wantInvalid(t, err, "token is not active")
	}
	wantCalls(5, "inactive result cached")
	clock.Advance(introspectNegativeTTL)
	_, err = v.VerifyAccessToken(t.Context(), "opaque-unknown")
	wantInvalid(t, err, "token is not active")
	wantCalls(6, "inactive result expired")
}

func TestIntrospectionUnavailable(t *testing.T) {
	for _, status := range []int{http.StatusInternalServerError, http.StatusUnauthorized} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			v, _, f, _ := newIntrospectionSetup(t, false)
			f.setStatus(status)
			_, err := v.VerifyAccessToken(t.Context(), "opaque-active")
			wantUnavailable(t, err)
			// Failures are not cached: the next request asks again and
			// succeeds once the endpoint answers.
			f.setStatus(0)
			if _, err := v.VerifyAccessToken(t.Context(), "opaque-active"); err != nil {
				t.Fatalf("verify after recovery: %v", err)
			}
			if n := f.callCount(); n != 2 {
				t.Fatalf("introspection calls = %d, want 2", n)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		v, p, _, _ := newIntrospectionSetup(t, false)
		p.srv.Close()
		_, err := v.VerifyAccessToken(t.Context(), "opaque-active")
		wantUnavailable(t, err)
	})
}

func TestOpaqueTokenWithoutIntrospectionIsMalformed(t *testing.T) {
	clock := newClock()
	p := newProvider(t, "/")
	v := newVerifier(t, p.config(clock))
	_, err := v.VerifyAccessToken(t.Context(), "opaque-active")
	wantInvalid(t, err, "malformed token")
}
