package http

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Cookie names. Under https they carry the __Host- prefix, which makes the
// browser insist on Secure, Path=/ and no Domain (RFC 6265bis §4.1.3.2).
const (
	browserCookie = "gh_browser"
	loginCookie   = "gh_login"
)

func (s *Server) cookieName(base string) string {
	if s.cfg.Secure {
		return "__Host-" + base
	}
	return base
}

func (s *Server) readCookie(c echo.Context, base string) string {
	ck, err := c.Cookie(s.cookieName(base))
	if err != nil {
		return ""
	}
	return ck.Value
}

func (s *Server) setCookie(c echo.Context, base, value string, maxAge time.Duration) {
	c.SetCookie(&http.Cookie{
		Name:     s.cookieName(base),
		Value:    value,
		Path:     "/",
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   s.cfg.Secure,
		SameSite: http.SameSiteLaxMode,
	})
}
