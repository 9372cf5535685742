package http

import (
	"encoding/json"
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
)

// register is POST /auth/register (RFC 7591).
func (s *Server) register(c echo.Context) error {
	noStore(c)
	r := c.Request()
	if mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return domain.ErrInvalidClientMetadata("content type must be application/json")
	}
	var md app.ClientMetadata
	dec := json.NewDecoder(http.MaxBytesReader(c.Response(), r.Body, 64<<10))
	if err := dec.Decode(&md); err != nil {
		return domain.ErrInvalidClientMetadata("body is not valid client metadata JSON")
	}
	token, _, err := bearerToken(r)
	if err != nil {
		return err
	}
	out, err := s.deps.Auth.Register(r.Context(), md, token)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}

// adminRegister is POST /auth/register/client: the admin form with
// client_name, redirect_uris (comma-separated), client_type and scope.
func (s *Server) adminRegister(c echo.Context) error {
	noStore(c)
	p, err := s.authenticate(c)
	if err != nil {
		return err
	}
	form, err := parseForm(c)
	if err != nil {
		return err
	}
	var uris []string
	for _, u := range strings.Split(form.Get("redirect_uris"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			uris = append(uris, u)
		}
	}
	out, err := s.deps.Auth.AdminRegister(c.Request().Context(), p, app.AdminClientForm{
		ClientName: form.Get("client_name"), RedirectURIs: uris, ClientType: form.Get("client_type"), Scope: form.Get("scope"),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, out)
}
