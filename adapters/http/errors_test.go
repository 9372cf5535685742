package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

type errorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("error body is not JSON: %v; body: %s", err, rec.Body)
	}
	return b
}

// failingClients is a client store whose backend is down.
type failingClients struct {
	ports.ClientStore
	err error
}

func (f failingClients) GetClient(context.Context, string) (domain.Client, error) {
	return domain.Client{}, f.err
}

func TestTokenEndpointStoreFailureIs503(t *testing.T) {
	const cause = "redis: dial tcp 10.1.2.3:6379: i/o timeout"
	e := newEdge(t, withAuth(func(_ *app.AuthServerConfig, d *app.AuthServerDeps) {
		d.Clients = failingClients{ClientStore: d.Clients, err: fmt.Errorf("%s: %w", cause, ports.ErrUnavailable)}
	}))
	req := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}})
	req.Header.Set("Authorization", basicAuth(confID, confSecret))
	rec := e.do(req)
	wantStatus(t, rec, http.StatusServiceUnavailable)
	if got := decodeError(t, rec).Error; got != domain.CodeTemporarilyUnavailable {
		t.Errorf("error = %q, want %q", got, domain.CodeTemporarilyUnavailable)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", got)
	}
	if got := rec.Header().Get("Retry-After"); got == "" {
		t.Error("Retry-After is missing")
	}
	if strings.Contains(rec.Body.String(), "10.1.2.3") || strings.Contains(rec.Body.String(), "timeout") {
		t.Errorf("body leaks the cause: %s", rec.Body)
	}
}

func TestWriteErrorMapsEveryKindToOneResponse(t *testing.T) {
	const cause = "secret-cause-7f3a"
	tests := []struct {
		name      string
		err       error
		status    int
		code      string
		challenge string // substring of WWW-Authenticate; "" means absent
	}{
		{name: "invalid_client", err: domain.ErrInvalidClient("client authentication failed").WithCause(errors.New(cause)),
			status: 401, code: domain.CodeInvalidClient, challenge: `Basic realm="gatehouse"`},
		{name: "invalid_token", err: domain.ErrInvalidToken("expired"),
			status: 401, code: domain.CodeInvalidToken, challenge: `error="invalid_token"`},
		{name: "insufficient_scope", err: domain.ErrInsufficientScope("needs admin", domain.ParseScopes("admin")),
			status: 403, code: domain.CodeInsufficientScope, challenge: `scope="admin"`},
		{name: "access_denied", err: domain.ErrAccessDenied("no"), status: 403, code: domain.CodeAccessDenied},
		{name: "invalid_grant", err: domain.ErrInvalidGrant("used"), status: 400, code: domain.CodeInvalidGrant},
		{name: "rate_limited code", err: domain.ErrRateLimited("slow down"), status: 429, code: domain.CodeRateLimited},
		{name: "server_error", err: domain.ErrServerError("internal error").WithCause(errors.New(cause)),
			status: 500, code: domain.CodeServerError},
		{name: "store unavailable", err: fmt.Errorf("%s: %w", cause, ports.ErrUnavailable),
			status: 503, code: domain.CodeTemporarilyUnavailable},
		{name: "unknown error", err: errors.New(cause), status: 500, code: domain.CodeServerError},
		{name: "registration disabled", err: fmt.Errorf("register: %w", app.ErrRegistrationDisabled),
			status: 403, code: domain.CodeAccessDenied},
		{name: "not found", err: echo.ErrNotFound, status: 404, code: "not_found"},
		{name: "method not allowed", err: echo.ErrMethodNotAllowed, status: 405, code: "method_not_allowed"},
		{name: "too large", err: echo.NewHTTPError(http.StatusRequestEntityTooLarge), status: 413, code: "request_too_large"},
		{name: "echo internal", err: echo.NewHTTPError(http.StatusInternalServerError, cause), status: 500, code: domain.CodeServerError},
		{name: "missing token", err: errMissingToken, status: 401, code: "unauthorized", challenge: `resource_metadata="` + testPRM + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t)
			rec := httptest.NewRecorder()
			c := e.srv.e.NewContext(httptest.NewRequest(http.MethodPost, "/auth/token", nil), rec)
			e.srv.writeError(tt.err, c)
			wantStatus(t, rec, tt.status)
			if got := decodeError(t, rec).Error; got != tt.code {
				t.Errorf("error = %q, want %q", got, tt.code)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			ch := rec.Header().Get("WWW-Authenticate")
			if tt.challenge == "" && ch != "" || !strings.Contains(ch, tt.challenge) {
				t.Errorf("WWW-Authenticate = %q, want %q", ch, tt.challenge)
			}
			if strings.Contains(rec.Body.String(), cause) || strings.Contains(ch, cause) {
				t.Errorf("response leaks the cause: %s", rec.Body)
			}
		})
	}
}

func TestWriteErrorRendersPageErrorsAsHTML(t *testing.T) {
	e := newEdge(t)
	rec := httptest.NewRecorder()
	c := e.srv.e.NewContext(httptest.NewRequest(http.MethodGet, "/auth/authorize", nil), rec)
	e.srv.writeError(&app.PageError{Err: domain.ErrInvalidClient("unknown client")}, c)
	wantStatus(t, rec, http.StatusBadRequest)
	if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, "text/html") {
		t.Errorf("Content-Type = %q, want text/html", got)
	}
	if !strings.Contains(rec.Body.String(), "unknown client") {
		t.Errorf("error page does not show the description: %s", rec.Body)
	}
	if got := rec.Header().Get("X-Frame-Options"); got != "DENY" {
		t.Errorf("X-Frame-Options = %q, want DENY", got)
	}
}

func TestWriteErrorLeavesCommittedResponsesAlone(t *testing.T) {
	e := newEdge(t)
	rec := httptest.NewRecorder()
	c := e.srv.e.NewContext(httptest.NewRequest(http.MethodGet, "/", nil), rec)
	_ = c.String(http.StatusOK, "done")
	e.srv.writeError(errors.New("late"), c)
	if rec.Code != http.StatusOK || rec.Body.String() != "done" {
		t.Errorf("got (%d, %q), want (200, %q)", rec.Code, rec.Body, "done")
	}
}

func TestPanicBecomes500WithoutStackTrace(t *testing.T) {
	e := newEdge(t)
	e.srv.Echo().GET("/boom", func(echo.Context) error { panic("secret panic value") })
	rec := e.do(httptest.NewRequest(http.MethodGet, "/boom", nil))
	wantStatus(t, rec, http.StatusInternalServerError)
	if got := decodeError(t, rec).Error; got != domain.CodeServerError {
		t.Errorf("error = %q, want %q", got, domain.CodeServerError)
	}
	for _, leak := range []string{"secret panic value", "goroutine", ".go:"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Errorf("body contains %q: %s", leak, rec.Body)
		}
	}
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	e := newEdge(t)
	rec := e.do(httptest.NewRequest(http.MethodGet, "/nope", nil))
	wantStatus(t, rec, http.StatusNotFound)
	if got := decodeError(t, rec).Error; got != "not_found" {
		t.Errorf("error = %q, want not_found", got)
	}
	if rec.Header().Get(echo.HeaderXRequestID) == "" {
		t.Error("X-Request-Id is missing")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		ready  func(context.Context) error
		status int
	}{
		{name: "healthz", path: "/healthz", status: http.StatusOK},
		{name: "ready", path: "/readyz", ready: func(context.Context) error { return nil }, status: http.StatusOK},
		{name: "no probe", path: "/readyz", status: http.StatusOK},
		{name: "store down", path: "/readyz", status: http.StatusServiceUnavailable,
			ready: func(context.Context) error { return fmt.Errorf("ping: %w", ports.ErrUnavailable) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withDeps(func(d *Deps) { d.Ready = tt.ready }))
			rec := e.do(httptest.NewRequest(http.MethodGet, tt.path, nil))
			wantStatus(t, rec, tt.status)
			if strings.Contains(rec.Body.String(), "unavailable") != (tt.status == http.StatusServiceUnavailable) {
				t.Errorf("body = %s", rec.Body)
			}
		})
	}
}

func TestMetricsRoutedOnlyWhenConfigured(t *testing.T) {
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("up 1\n")) })
	tests := []struct {
		name    string
		handler http.Handler
		status  int
	}{
		{name: "configured", handler: metrics, status: http.StatusOK},
		{name: "absent", status: http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t, withDeps(func(d *Deps) { d.Metrics = tt.handler }))
			wantStatus(t, e.do(httptest.NewRequest(http.MethodGet, "/metrics", nil)), tt.status)
		})
	}
}
