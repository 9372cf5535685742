package http

import (
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
)

func invalidRequest(desc string) *domain.OAuthError { return domain.ErrInvalidRequest(desc) }

// parseForm reads an application/x-www-form-urlencoded body and refuses
// repeated parameters (RFC 6749 §3.1), except those in multi.
func parseForm(c echo.Context, multi ...string) (url.Values, error) {
	r := c.Request()
	mt, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if mt != echo.MIMEApplicationForm {
		return nil, invalidRequest("content type must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, invalidRequest("malformed form body")
	}
	form := r.PostForm
	for k, v := range form {
		if len(v) > 1 && !slices.Contains(multi, k) {
			return nil, invalidRequest("parameter " + k + " is repeated")
		}
	}
	return form, nil
}

// clientCredentials reads client authentication from the Authorization
// header (client_secret_basic, values form-urlencoded per RFC 6749 §2.3.1) or
// the body (client_secret_post, or client_id alone for public clients).
// Using both methods at once is refused (§2.3).
func clientCredentials(c echo.Context, form url.Values) (app.ClientCredentials, error) {
	h := c.Request().Header.Get("Authorization")
	if h != "" {
		scheme, payload, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Basic") {
			return app.ClientCredentials{}, domain.ErrInvalidClient("unsupported authorization scheme")
		}
		if form.Has("client_secret") {
			return app.ClientCredentials{}, invalidRequest("use one client authentication method")
		}
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(payload))
		if err != nil {
			return app.ClientCredentials{}, domain.ErrInvalidClient("malformed basic credentials")
		}
		id, secret, ok := strings.Cut(string(raw), ":")
		if !ok {
			return app.ClientCredentials{}, domain.ErrInvalidClient("malformed basic credentials")
		}
		if id, err = url.QueryUnescape(id); err != nil {
			return app.ClientCredentials{}, domain.ErrInvalidClient("malformed basic credentials")
		}
		if secret, err = url.QueryUnescape(secret); err != nil {
			return app.ClientCredentials{}, domain.ErrInvalidClient("malformed basic credentials")
		}
		if fid := form.Get("client_id"); fid != "" && fid != id {
			return app.ClientCredentials{}, invalidRequest("client_id does not match the authorization header")
		}
		return app.ClientCredentials{ClientID: id, Secret: secret, Method: domain.AuthMethodClientSecretBasic}, nil
	}
	if form.Has("client_secret") {
		return app.ClientCredentials{ClientID: form.Get("client_id"), Secret: form.Get("client_secret"), Method: domain.AuthMethodClientSecretPost}, nil
	}
	return app.ClientCredentials{ClientID: form.Get("client_id"), Method: domain.AuthMethodNone}, nil
}
