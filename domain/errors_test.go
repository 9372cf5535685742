package domain_test

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
)

func TestOAuthErrorIsByCode(t *testing.T) {
	err := fmt.Errorf("exchange: %w", domain.ErrInvalidGrant("code already used"))
	if !errors.Is(err, domain.ErrInvalidGrant("")) {
		t.Errorf("errors.Is(%v, invalid_grant) = false, want true", err)
	}
	if errors.Is(err, domain.ErrInvalidClient("code already used")) {
		t.Errorf("errors.Is(%v, invalid_client) = true, want false", err)
	}
	if errors.Is(err, io.EOF) {
		t.Errorf("errors.Is(%v, io.EOF) = true, want false", err)
	}
}

func TestOAuthErrorError(t *testing.T) {
	if got, want := domain.ErrInvalidScope("too wide").Error(), "invalid_scope: too wide"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := domain.ErrAccessDenied("").Error(), "access_denied"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestOAuthErrorWithCause(t *testing.T) {
	cause := errors.New("store exploded")
	orig := domain.ErrServerError("internal error")
	withCause := orig.WithCause(cause)

	if orig.Unwrap() != nil {
		t.Errorf("WithCause mutated the original: Unwrap() = %v, want nil", orig.Unwrap())
	}
	if withCause == orig {
		t.Error("WithCause returned the receiver, want a copy")
	}
	if !errors.Is(withCause, cause) {
		t.Errorf("errors.Is(withCause, cause) = false, want true")
	}
	if got := withCause.Unwrap(); got != cause {
		t.Errorf("Unwrap() = %v, want %v", got, cause)
	}
	if withCause.Code != orig.Code || withCause.Description != orig.Description {
		t.Errorf("copy = %q/%q, want %q/%q", withCause.Code, withCause.Description, orig.Code, orig.Description)
	}
	if strings.Contains(withCause.Error(), "exploded") {
		t.Errorf("Error() = %q exposes the cause to clients", withCause.Error())
	}
}

func TestOAuthErrorLogValue(t *testing.T) {
	attrs := func(e *domain.OAuthError) map[string]string {
		m := map[string]string{}
		for _, a := range e.LogValue().Group() {
			m[a.Key] = a.Value.String()
		}
		return m
	}
	plain := domain.ErrInvalidGrant("expired")
	want := map[string]string{"code": "invalid_grant", "description": "expired"}
	if diff := cmp.Diff(want, attrs(plain)); diff != "" {
		t.Errorf("LogValue without cause mismatch (-want +got):\n%s", diff)
	}
	caused := plain.WithCause(errors.New("memory: not found"))
	want["cause"] = "memory: not found"
	if diff := cmp.Diff(want, attrs(caused)); diff != "" {
		t.Errorf("LogValue with cause mismatch (-want +got):\n%s", diff)
	}

	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "error", caused)
	if !strings.Contains(b.String(), "error.cause=") {
		t.Errorf("log line lacks the cause: %s", b.String())
	}
}

func TestOAuthErrorConstructorsBuildFresh(t *testing.T) {
	a := domain.ErrInvalidRequest("x")
	a.Description = "changed"
	if b := domain.ErrInvalidRequest("x"); b.Description != "x" {
		t.Errorf("a constructor returned shared state: Description = %q", b.Description)
	}
	need := domain.ParseScopes("admin")
	e := domain.ErrInsufficientScope("needs admin", need)
	if e.Code != domain.CodeInsufficientScope || !e.Scope.Contains(need) {
		t.Errorf("ErrInsufficientScope = %+v, want code insufficient_scope with scope admin", e)
	}
}

func TestOAuthErrorCodes(t *testing.T) {
	tests := []struct {
		err  *domain.OAuthError
		want string
	}{
		{domain.ErrInvalidRequest(""), "invalid_request"},
		{domain.ErrInvalidClient(""), "invalid_client"},
		{domain.ErrInvalidGrant(""), "invalid_grant"},
		{domain.ErrUnauthorizedClient(""), "unauthorized_client"},
		{domain.ErrUnsupportedGrantType(""), "unsupported_grant_type"},
		{domain.ErrUnsupportedResponseType(""), "unsupported_response_type"},
		{domain.ErrInvalidScope(""), "invalid_scope"},
		{domain.ErrInvalidTarget(""), "invalid_target"},
		{domain.ErrAccessDenied(""), "access_denied"},
		{domain.ErrServerError(""), "server_error"},
		{domain.ErrTemporarilyUnavailable(""), "temporarily_unavailable"},
		{domain.ErrInvalidRedirectURI(""), "invalid_redirect_uri"},
		{domain.ErrInvalidClientMetadata(""), "invalid_client_metadata"},
		{domain.ErrInvalidToken(""), "invalid_token"},
		{domain.ErrInsufficientScope("", nil), "insufficient_scope"},
		{domain.ErrUnsupportedTokenType(""), "unsupported_token_type"},
		{domain.ErrRateLimited(""), "rate_limited"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if tt.err.Code != tt.want {
				t.Errorf("Code = %q, want %q", tt.err.Code, tt.want)
			}
		})
	}
}
