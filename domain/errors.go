package domain

import (
	"errors"
	"log/slog"
)

// OAuth error codes from RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2,
// RFC 6750 §3.1 and RFC 8707 §2.
const (
	CodeInvalidRequest          = "invalid_request"
	CodeInvalidClient           = "invalid_client"
	CodeInvalidGrant            = "invalid_grant"
	CodeUnauthorizedClient      = "unauthorized_client"
	CodeUnsupportedGrantType    = "unsupported_grant_type"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeInvalidScope            = "invalid_scope"
	CodeInvalidTarget           = "invalid_target"
	CodeAccessDenied            = "access_denied"
	CodeServerError             = "server_error"
	CodeTemporarilyUnavailable  = "temporarily_unavailable"
	CodeInvalidRedirectURI      = "invalid_redirect_uri"
	CodeInvalidClientMetadata   = "invalid_client_metadata"
	CodeInvalidToken            = "invalid_token"
	CodeInsufficientScope       = "insufficient_scope"
	CodeUnsupportedTokenType    = "unsupported_token_type"
	CodeLoginRequired           = "login_required"
	CodeRateLimited             = "rate_limited"
)

// OAuthError is an error a client may see: an RFC code and a description safe
// to show. The cause is for logs only. Values are built fresh by the
// constructors below so that no caller can mutate a shared error.
type OAuthError struct {
	Code        string
	Description string
	// Scope lists the scopes a request lacks (insufficient_scope).
	Scope Scopes
	cause error
}

func (e *OAuthError) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

// Unwrap exposes the cause to errors.Is / errors.As.
func (e *OAuthError) Unwrap() error { return e.cause }

// Is matches another *OAuthError by code, so errors.Is(err, ErrInvalidGrant(""))
// asks "is this an invalid_grant?".
func (e *OAuthError) Is(target error) bool {
	var t *OAuthError
	if errors.As(target, &t) {
		return t.Code == e.Code
	}
	return false
}

// WithCause returns a copy carrying cause for logs.
func (e *OAuthError) WithCause(cause error) *OAuthError {
	c := *e
	c.cause = cause
	return &c
}

// LogValue keeps the cause in structured logs without exposing it to clients.
func (e *OAuthError) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("code", e.Code), slog.String("description", e.Description)}
	if e.cause != nil {
		attrs = append(attrs, slog.String("cause", e.cause.Error()))
	}
	return slog.GroupValue(attrs...)
}

func newErr(code, desc string) *OAuthError { return &OAuthError{Code: code, Description: desc} }

func ErrInvalidRequest(desc string) *OAuthError     { return newErr(CodeInvalidRequest, desc) }
func ErrInvalidClient(desc string) *OAuthError      { return newErr(CodeInvalidClient, desc) }
func ErrInvalidGrant(desc string) *OAuthError       { return newErr(CodeInvalidGrant, desc) }
func ErrUnauthorizedClient(desc string) *OAuthError { return newErr(CodeUnauthorizedClient, desc) }
func ErrUnsupportedGrantType(desc string) *OAuthError {
	return newErr(CodeUnsupportedGrantType, desc)
}
func ErrUnsupportedResponseType(desc string) *OAuthError {
	return newErr(CodeUnsupportedResponseType, desc)
}
func ErrInvalidScope(desc string) *OAuthError  { return newErr(CodeInvalidScope, desc) }
func ErrInvalidTarget(desc string) *OAuthError { return newErr(CodeInvalidTarget, desc) }
func ErrAccessDenied(desc string) *OAuthError  { return newErr(CodeAccessDenied, desc) }
func ErrServerError(desc string) *OAuthError   { return newErr(CodeServerError, desc) }
func ErrTemporarilyUnavailable(desc string) *OAuthError {
	return newErr(CodeTemporarilyUnavailable, desc)
}
func ErrInvalidRedirectURI(desc string) *OAuthError { return newErr(CodeInvalidRedirectURI, desc) }
func ErrInvalidClientMetadata(desc string) *OAuthError {
	return newErr(CodeInvalidClientMetadata, desc)
}
func ErrInvalidToken(desc string) *OAuthError { return newErr(CodeInvalidToken, desc) }
func ErrInsufficientScope(desc string, need Scopes) *OAuthError {
	e := newErr(CodeInsufficientScope, desc)
	e.Scope = need
	return e
}
func ErrUnsupportedTokenType(desc string) *OAuthError { return newErr(CodeUnsupportedTokenType, desc) }
func ErrRateLimited(desc string) *OAuthError          { return newErr(CodeRateLimited, desc) }
