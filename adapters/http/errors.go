package http

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// statusOf is the one table from OAuth error codes to HTTP statuses.
func statusOf(code string) int {
	switch code {
	case domain.CodeInvalidClient, domain.CodeInvalidToken:
		return http.StatusUnauthorized
	case domain.CodeInsufficientScope, domain.CodeAccessDenied:
		return http.StatusForbidden
	case domain.CodeTemporarilyUnavailable:
		return http.StatusServiceUnavailable
	case domain.CodeServerError:
		return http.StatusInternalServerError
	case domain.CodeRateLimited:
		return http.StatusTooManyRequests
	default:
		return http.StatusBadRequest
	}
}

// writeError is echo's HTTPErrorHandler: the only place error bodies are
// written. Clients see an RFC 6749 code and a safe description; causes go to
// the log with the request id.
func (s *Server) writeError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ctx := c.Request().Context()
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")

	var page *app.PageError
	if errors.As(err, &page) {
		s.log.InfoContext(ctx, "authorization refused", "error", page.Err)
		s.renderError(c, http.StatusBadRequest, page.Err)
		return
	}
	if rl, ok := asRateLimited(err); ok {
		s.log.InfoContext(ctx, "rate limited")
		_ = writeRateLimited(c, rl)
		return
	}
	if errors.Is(err, errMissingToken) {
		h.Set("WWW-Authenticate", s.bearerChallenge(nil))
		_ = c.JSON(http.StatusUnauthorized, map[string]string{"error": "unauthorized", "error_description": err.Error()})
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code := "invalid_request"
		switch he.Code {
		case http.StatusForbidden:
			code = domain.CodeAccessDenied
		case http.StatusNotFound:
			code = "not_found"
		case http.StatusMethodNotAllowed:
			code = "method_not_allowed"
		case http.StatusRequestEntityTooLarge:
			code = "request_too_large"
		}
		if he.Code >= 500 {
			s.log.ErrorContext(ctx, "http error", "error", err)
			code = domain.CodeServerError
		}
		_ = c.JSON(he.Code, map[string]string{"error": code, "error_description": http.StatusText(he.Code)})
		return
	}
	var oe *domain.OAuthError
	switch {
	case errors.As(err, &oe):
	case errors.Is(err, ports.ErrUnavailable):
		oe = domain.ErrTemporarilyUnavailable("storage is unavailable, try again").WithCause(err)
	case errors.Is(err, app.ErrRegistrationDisabled):
		_ = c.JSON(http.StatusForbidden, map[string]string{"error": domain.CodeAccessDenied, "error_description": err.Error()})
		return
	default:
		oe = domain.ErrServerError("internal error").WithCause(err)
	}
	if s.deps.Observe != nil {
		s.deps.Observe.OAuthError(ctx, oe.Code)
	}
	status := statusOf(oe.Code)
	switch {
	case status >= 500:
		s.log.ErrorContext(ctx, "request failed", "error", oe)
	default:
		s.log.InfoContext(ctx, "request refused", "error", oe)
	}
	switch oe.Code {
	case domain.CodeInvalidClient:
		h.Set("WWW-Authenticate", `Basic realm="gatehouse"`)
	case domain.CodeInvalidToken, domain.CodeInsufficientScope:
		h.Set("WWW-Authenticate", s.bearerChallenge(oe))
	case domain.CodeTemporarilyUnavailable:
		h.Set("Retry-After", "5")
	}
	_ = c.JSON(status, map[string]string{"error": oe.Code, "error_description": oe.Description})
}

// bearerChallenge builds the RFC 6750 §3 / RFC 9728 §5.1 challenge.
func (s *Server) bearerChallenge(oe *domain.OAuthError) string {
	parts := []string{fmt.Sprintf("resource_metadata=%q", s.cfg.BaseURL+"/.well-known/oauth-protected-resource/mcp")}
	scope := strings.Join(s.cfg.ResourceScopes, " ")
	if oe != nil && len(oe.Scope) > 0 {
		scope = oe.Scope.String()
	}
	if scope != "" {
		parts = append(parts, fmt.Sprintf("scope=%q", scope))
	}
	if oe != nil && oe.Code != "" {
		parts = append(parts, fmt.Sprintf("error=%q", oe.Code), fmt.Sprintf("error_description=%q", strings.ReplaceAll(oe.Description, `"`, "'")))
	}
	return "Bearer " + strings.Join(parts, ", ")
}
