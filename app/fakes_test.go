package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"gatehouse/domain"
)

// fakeClock is the injected clock; tests move it instead of sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
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

// fakeTokens issues and verifies access tokens as base64url JSON claims
// followed by an HMAC, so that app tests need no JOSE library.
type fakeTokens struct {
	key    []byte
	issuer string
	clock  *fakeClock
}

func (f *fakeTokens) sign(payload string) string {
	m := hmac.New(sha256.New, f.key)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (f *fakeTokens) IssueAccessToken(_ context.Context, c domain.AccessTokenClaims) (string, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	payload := base64.RawURLEncoding.EncodeToString(body)
	return payload + "." + f.sign(payload), nil
}

func (f *fakeTokens) VerifyAccessToken(_ context.Context, token string) (domain.Principal, error) {
	c, err := f.claims(token)
	if err != nil {
		return domain.Principal{}, err
	}
	if c.Issuer != f.issuer {
		return domain.Principal{}, domain.ErrInvalidToken("wrong issuer")
	}
	if !f.clock.Now().Before(c.ExpiresAt) {
		return domain.Principal{}, domain.ErrInvalidToken("token expired")
	}
	return domain.Principal{
		Subject: c.Subject, ClientID: c.ClientID, Scopes: c.Scopes, Audience: c.Audience, Issuer: c.Issuer,
		TokenID: c.TokenID, GrantID: c.GrantID, IssuedAt: c.IssuedAt, ExpiresAt: c.ExpiresAt,
	}, nil
}

// claims checks the signature and decodes the claims, whatever their expiry.
func (f *fakeTokens) claims(token string) (domain.AccessTokenClaims, error) {
	payload, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(f.sign(payload))) {
		return domain.AccessTokenClaims{}, domain.ErrInvalidToken("bad signature")
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return domain.AccessTokenClaims{}, domain.ErrInvalidToken("bad encoding").WithCause(err)
	}
	var c domain.AccessTokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return domain.AccessTokenClaims{}, domain.ErrInvalidToken("bad claims").WithCause(err)
	}
	return c, nil
}
