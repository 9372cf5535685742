package http

import (
	"embed"
	"html/template"
	"net/url"

	"github.com/labstack/echo/v4"

	"gatehouse/domain"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages are parsed once per process from embedded files; they are immutable
// after parsing.
func parsePages() *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/*.html"))
}

// pageHeaders forbid framing (clickjacking of the consent button), caching
// and referrers that would leak the request's query.
func pageHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

type loginView struct {
	ClientName string
	RequestID  string
	Error      string
	Username   string
}

type consentView struct {
	ClientName   string
	ClientID     string
	RedirectHost string
	Loopback     bool
	Subject      string
	Scopes       []string
	RequestID    string
	CSRFToken    string
}

type errorView struct {
	Code        string
	Description string
}

func (s *Server) render(c echo.Context, status int, name string, data any) error {
	pageHeaders(c)
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return s.pages.ExecuteTemplate(c.Response(), name, data)
}

func (s *Server) renderError(c echo.Context, status int, e *domain.OAuthError) {
	if err := s.render(c, status, "error.html", errorView{Code: e.Code, Description: e.Description}); err != nil {
		s.log.ErrorContext(c.Request().Context(), "render error page", "error", err)
	}
}

// clientLabel is what the pages call a client. Names come from
// registrations and metadata documents anyone can write, so they are cut to
// a length that cannot push the rest of the page out of view.
func clientLabel(c domain.Client) string {
	name := c.Name
	if name == "" {
		name = c.ID
	}
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80]) + "…"
	}
	return name
}

func redirectHost(uri string) (string, bool) {
	u, err := url.Parse(uri)
	if err != nil {
		return uri, false
	}
	return u.Host, domain.IsLoopbackHost(u.Hostname())
}
