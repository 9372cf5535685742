package http

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
)

// token is POST /auth/token (OAuth 2.1 §3.2).
func (s *Server) token(c echo.Context) error {
	noStore(c)
	form, err := parseForm(c, "resource")
	if err != nil {
		return err
	}
	cc, err := clientCredentials(c, form)
	if err != nil {
		return err
	}
	resp, err := s.deps.Auth.Token(c.Request().Context(), app.TokenRequest{
		Client:        cc,
		GrantType:     form.Get("grant_type"),
		Code:          form.Get("code"),
		RedirectURI:   form.Get("redirect_uri"),
		CodeVerifier:  form.Get("code_verifier"),
		RefreshToken:  form.Get("refresh_token"),
		Scope:         form.Get("scope"),
		Resource:      form.Get("resource"),
		ResourceCount: len(form["resource"]),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// revoke is POST /auth/revoke (RFC 7009).
func (s *Server) revoke(c echo.Context) error {
	noStore(c)
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	cc, err := clientCredentials(c, form)
	if err != nil {
		return err
	}
	if err := s.deps.Auth.Revoke(c.Request().Context(), cc, form.Get("token"), form.Get("token_type_hint")); err != nil {
		return err
	}
	return c.NoContent(http.StatusOK)
}

// introspect is POST /auth/introspect (RFC 7662).
func (s *Server) introspect(c echo.Context) error {
	noStore(c)
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	cc, err := clientCredentials(c, form)
	if err != nil {
		return err
	}
	out, err := s.deps.Auth.Introspect(c.Request().Context(), cc, form.Get("token"), form.Get("token_type_hint"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func noStore(c echo.Context) {
	c.Response().Header().Set("Cache-Control", "no-store")
	c.Response().Header().Set("Pragma", "no-cache")
}
