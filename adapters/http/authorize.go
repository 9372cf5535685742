package http

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"gatehouse/app"
)

// authorize is GET /auth/authorize (OAuth 2.1 §4.1.1).
func (s *Server) authorize(c echo.Context) error {
	q := c.Request().URL.Query()
	for _, k := range []string{"client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge", "code_challenge_method"} {
		if len(q[k]) > 1 {
			return &app.PageError{Err: invalidRequest("parameter " + k + " is repeated")}
		}
	}
	out, err := s.deps.Auth.StartAuthorization(c.Request().Context(), app.AuthorizeParams{
		ClientID:            q.Get("client_id"),
		RedirectURI:         q.Get("redirect_uri"),
		ResponseType:        q.Get("response_type"),
		State:               q.Get("state"),
		Scope:               q.Get("scope"),
		CodeChallenge:       q.Get("code_challenge"),
		CodeChallengeMethod: q.Get("code_challenge_method"),
		Resource:            q.Get("resource"),
		Prompt:              q.Get("prompt"),
		ResourceCount:       len(q["resource"]),
		BrowserSecret:       s.readCookie(c, browserCookie),
		LoginSecret:         s.readCookie(c, loginCookie),
	})
	return s.step(c, out, err, http.StatusFound)
}

// login is POST /auth/login, the login form's target.
func (s *Server) login(c echo.Context) error {
	out, err := s.deps.Auth.Login(c.Request().Context(), app.LoginParams{
		RequestID:     c.FormValue("request_id"),
		BrowserSecret: s.readCookie(c, browserCookie),
		Username:      c.FormValue("username"),
		Password:      c.FormValue("password"),
		ClientIP:      c.RealIP(),
	})
	if err == nil && out.LoginError != "" {
		return s.render(c, http.StatusUnauthorized, "login.html", loginView{
			ClientName: clientLabel(out.Client), RequestID: out.Request.ID, Error: out.LoginError, Username: c.FormValue("username"),
		})
	}
	return s.step(c, out, err, http.StatusSeeOther)
}

// consent is POST /auth/consent, the consent form's target.
func (s *Server) consent(c echo.Context) error {
	decision := c.FormValue("decision")
	if decision != "allow" && decision != "deny" {
		return &app.PageError{Err: invalidRequest("decision must be allow or deny")}
	}
	out, err := s.deps.Auth.Consent(c.Request().Context(), app.ConsentParams{
		RequestID:     c.FormValue("request_id"),
		BrowserSecret: s.readCookie(c, browserCookie),
		CSRFToken:     c.FormValue("csrf_token"),
		Allow:         decision == "allow",
	})
	return s.step(c, out, err, http.StatusSeeOther)
}

// step renders the next page of the flow or redirects back to the client.
func (s *Server) step(c echo.Context, out app.AuthorizeOutcome, err error, redirectStatus int) error {
	var re *app.RedirectError
	if errors.As(err, &re) {
		s.log.InfoContext(c.Request().Context(), "authorization error redirected", "error", re.Err, "client_id", c.QueryParam("client_id"))
		return s.redirect(c, redirectStatus, re.RedirectURL)
	}
	if err != nil {
		return err
	}
	cfg := s.deps.Auth.Config()
	if out.NewBrowserSecret != "" {
		s.setCookie(c, browserCookie, out.NewBrowserSecret, cfg.LoginSessionTTL)
	}
	if out.NewLoginSecret != "" {
		s.setCookie(c, loginCookie, out.NewLoginSecret, cfg.LoginSessionTTL)
	}
	switch out.Step {
	case app.StepLogin:
		return s.render(c, http.StatusOK, "login.html", loginView{ClientName: clientLabel(out.Client), RequestID: out.Request.ID})
	case app.StepConsent:
		host, loopback := redirectHost(out.Request.RedirectURI)
		return s.render(c, http.StatusOK, "consent.html", consentView{
			ClientName: clientLabel(out.Client), ClientID: out.Client.ID, RedirectHost: host, Loopback: loopback,
			Subject: out.Request.Subject, Scopes: out.Request.Scopes, RequestID: out.Request.ID, CSRFToken: out.CSRFToken,
		})
	default:
		return s.redirect(c, redirectStatus, out.RedirectURL)
	}
}

func (s *Server) redirect(c echo.Context, status int, to string) error {
	pageHeaders(c)
	return c.Redirect(status, to)
}
