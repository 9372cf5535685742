package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/url"
	"slices"
	"strings"

	"gatehouse/domain"
	"gatehouse/ports"
)

// AuthorizeParams are the query parameters of GET /auth/authorize plus the
// browser's binding cookie.
type AuthorizeParams struct {
	ClientID            string
	RedirectURI         string
	ResponseType        string
	State               string
	Scope               string
	CodeChallenge       string
	CodeChallengeMethod string
	Resource            string
	// Prompt is the OIDC prompt parameter; "login" makes the user sign in
	// again even with a live login session (to switch accounts).
	Prompt string
	// Resources counts resource parameters: RFC 8707 allows several, this
	// server binds a token to exactly one.
	ResourceCount int
	// BrowserSecret is the value of the browser-binding cookie ("" if the
	// browser has none yet) and LoginSecret that of the login-session cookie.
	BrowserSecret string
	LoginSecret   string
}

// Step says what the browser sees next.
type Step int

const (
	StepLogin    Step = iota + 1 // show the login page
	StepConsent                  // show the consent page
	StepRedirect                 // redirect to RedirectURL
)

// AuthorizeOutcome is the next step of an authorization request.
type AuthorizeOutcome struct {
	Step        Step
	Request     domain.AuthRequest
	Client      domain.Client
	RedirectURL string
	// CSRFToken is the raw anti-CSRF token to embed in the consent form.
	CSRFToken string
	// NewBrowserSecret, if set, must be stored in the browser-binding cookie.
	NewBrowserSecret string
	// NewLoginSecret, if set, must be stored in the login-session cookie.
	NewLoginSecret string
	// LoginError is shown on the login page after a failed attempt.
	LoginError string
}

// PageError is an authorization error that must be shown to the user and
// never redirected: the client or its redirect URI cannot be trusted
// (OAuth 2.1 §4.1.2.1).
type PageError struct{ Err *domain.OAuthError }

func (e *PageError) Error() string { return e.Err.Error() }
func (e *PageError) Unwrap() error { return e.Err }

// RedirectError is an authorization error to send back to the client's
// redirect URI; RedirectURL already carries error, state and iss.
type RedirectError struct {
	Err         *domain.OAuthError
	RedirectURL string
}

func (e *RedirectError) Error() string { return e.Err.Error() }
func (e *RedirectError) Unwrap() error { return e.Err }

// lookupClient finds a registered client, or resolves a client id metadata
// document when the id is a URL.
func (s *AuthServer) lookupClient(ctx context.Context, id string) (domain.Client, error) {
	if id == "" {
		return domain.Client{}, domain.ErrInvalidRequest("client_id is required")
	}
	// URL client ids go to the metadata fetcher, which decides whether the
	// URL is acceptable (https, or http for an allow-listed test host).
	if s.cfg.ClientMetadataDocuments && s.ClientDocs != nil && (strings.HasPrefix(id, "https://") || strings.HasPrefix(id, "http://")) {
		c, err := s.ClientDocs.FetchClient(ctx, id)
		if err != nil {
			var oe *domain.OAuthError
			if errors.As(err, &oe) {
				return domain.Client{}, oe
			}
			return domain.Client{}, domain.ErrInvalidClient("client metadata document is unusable").WithCause(err)
		}
		c.Scopes = s.cfg.RegistrationScopes
		return c, nil
	}
	c, err := s.Clients.GetClient(ctx, id)
	if err != nil {
		return domain.Client{}, storeErr(err, domain.ErrInvalidClient("unknown client"))
	}
	return c, nil
}

// StartAuthorization validates an authorization request and decides the
// first step. Errors are *PageError before the client and redirect URI are
// trusted, *RedirectError after.
func (s *AuthServer) StartAuthorization(ctx context.Context, p AuthorizeParams) (AuthorizeOutcome, error) {
	now := s.Clock()
	client, err := s.lookupClient(ctx, p.ClientID)
	if err != nil {
		return AuthorizeOutcome{}, pageErr(err)
	}
	redirectURI := p.RedirectURI
	if redirectURI == "" {
		// OAuth 2.1 §4.1.1 lets a client with one registered URI omit it.
		if len(client.RedirectURIs) != 1 {
			return AuthorizeOutcome{}, &PageError{domain.ErrInvalidRequest("redirect_uri is required")}
		}
		redirectURI = client.RedirectURIs[0]
	}
	if !client.MatchRedirectURI(redirectURI) {
		return AuthorizeOutcome{}, &PageError{domain.ErrInvalidRequest("redirect_uri is not registered for this client")}
	}
	fail := func(e *domain.OAuthError) (AuthorizeOutcome, error) {
		return AuthorizeOutcome{}, &RedirectError{Err: e, RedirectURL: s.redirectWith(redirectURI, p.State, e)}
	}
	if p.ResponseType != "code" {
		return fail(domain.ErrUnsupportedResponseType("response_type must be code"))
	}
	if !client.AllowsGrant(domain.GrantAuthorizationCode) {
		return fail(domain.ErrUnauthorizedClient("client may not use the authorization code grant"))
	}
	if err := domain.ValidateCodeChallenge(p.CodeChallenge, p.CodeChallengeMethod); err != nil {
		return fail(asOAuth(err))
	}
	if p.ResourceCount > 1 {
		return fail(domain.ErrInvalidTarget("exactly one resource may be requested"))
	}
	resource, err := s.resolveResource(p.Resource)
	if err != nil {
		return fail(asOAuth(err))
	}
	scopes, err := s.requestedScopes(p.Scope, client)
	if err != nil {
		return fail(asOAuth(err))
	}
	out := AuthorizeOutcome{Client: client}
	browser := p.BrowserSecret
	if browser == "" {
		browser = randomToken()
		out.NewBrowserSecret = browser
	}
	req := domain.AuthRequest{
		ID:               randomID(),
		ClientID:         client.ID,
		RedirectURI:      redirectURI,
		RedirectURIGiven: p.RedirectURI != "",
		State:            p.State,
		CodeChallenge:    p.CodeChallenge,
		Scopes:           scopes,
		Resource:         resource,
		BrowserHash:      domain.HashSecret(browser),
		ExpiresAt:        now.Add(s.cfg.AuthRequestTTL),
	}
	if p.LoginSecret != "" && p.BrowserSecret != "" && !slices.Contains(strings.Fields(p.Prompt), "login") {
		sess, err := s.Sessions.GetSession(ctx, domain.HashSecret(p.LoginSecret), now)
		if err == nil && sess.Kind == domain.SessionBrowser {
			// A session outliving its user (removed from the configuration)
			// or its user's right to log in (disabled) counts as no login,
			// so that the login page decides again.
			var user domain.User
			if user, err = s.Users.GetUser(ctx, sess.Subject); err == nil && !user.Disabled {
				return s.afterLogin(ctx, req, client, user, out)
			}
		}
		if err != nil && !errors.Is(err, ports.ErrNotFound) {
			return AuthorizeOutcome{}, storeErr(err, nil)
		}
	}
	if err := s.AuthRequests.SaveAuthRequest(ctx, req); err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	out.Step, out.Request = StepLogin, req
	return out, nil
}

// requestedScopes parses the scope parameter: unknown scopes are refused;
// the set is capped by what the client registered. No scope asks for all the
// client may have (RFC 6749 §3.3 lets the server pick a default).
func (s *AuthServer) requestedScopes(raw string, client domain.Client) (domain.Scopes, error) {
	req := withoutIgnoredScopes(domain.ParseScopes(raw))
	for _, t := range req {
		if !domain.ValidScopeToken(t) || !s.cfg.SupportedScopes.Has(t) {
			return nil, domain.ErrInvalidScope("unknown scope " + strings.Trim(t, "\x00"))
		}
	}
	if len(req) == 0 {
		return client.Scopes, nil
	}
	got := req.Intersect(client.Scopes)
	if len(got) == 0 {
		return nil, domain.ErrInvalidScope("the client may not request these scopes")
	}
	return got, nil
}

// afterLogin narrows the request to the user's scopes and either finishes
// (consent already given) or asks for consent.
func (s *AuthServer) afterLogin(ctx context.Context, req domain.AuthRequest, client domain.Client, user domain.User, out AuthorizeOutcome) (AuthorizeOutcome, error) {
	subject := user.Username
	req.Subject = subject
	req.Scopes = req.Scopes.Intersect(user.Scopes)
	if len(req.Scopes) == 0 {
		_ = s.AuthRequests.DeleteAuthRequest(ctx, req.ID)
		e := domain.ErrAccessDenied("the user holds none of the requested scopes")
		return AuthorizeOutcome{}, &RedirectError{Err: e, RedirectURL: s.redirectWith(req.RedirectURI, req.State, e)}
	}
	consent, err := s.Consents.GetConsent(ctx, subject, client.ID)
	switch {
	case err == nil && consent.Covers(req.Scopes):
		return s.finish(ctx, req, out)
	case err != nil && !errors.Is(err, ports.ErrNotFound):
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	csrf := randomToken()
	req.CSRFHash = domain.HashSecret(csrf)
	if err := s.AuthRequests.SaveAuthRequest(ctx, req); err != nil {
		return AuthorizeOutcome{}, storeErr(err, nil)
	}
	out.Step, out.Request, out.Client, out.CSRFToken = StepConsent, req, client, csrf
	return out, nil
}

// loadRequest fetches a pending request and checks it belongs to this browser.
func (s *AuthServer) loadRequest(ctx context.Context, id, browserSecret string) (domain.AuthRequest, domain.Client, error) {
	req, err := s.AuthRequests.GetAuthRequest(ctx, id, s.Clock())
	if err != nil {
		return req, domain.Client{}, pageErr(storeErr(err, domain.ErrInvalidRequest("the authorization request has expired; start again")))
	}
	if browserSecret == "" || subtle.ConstantTimeCompare([]byte(domain.HashSecret(browserSecret)), []byte(req.BrowserHash)) != 1 {
		return req, domain.Client{}, &PageError{domain.ErrInvalidRequest("the authorization request belongs to another browser; start again")}
	}
	client, err := s.lookupClient(ctx, req.ClientID)
	if err != nil {
		return req, domain.Client{}, pageErr(err)
	}
	return req, client, nil
}

// redirectWith builds the error redirect: error, error_description, state
// and iss (RFC 9207).
func (s *AuthServer) redirectWith(redirectURI, state string, e *domain.OAuthError) string {
	q := url.Values{"error": {e.Code}, "iss": {s.cfg.Issuer}}
	if e.Description != "" {
		q.Set("error_description", e.Description)
	}
	if state != "" {
		q.Set("state", state)
	}
	return appendQuery(redirectURI, q)
}

// appendQuery adds q to a URI that may already have a query, keeping its
// existing parameters (OAuth 2.1 §4.1.2).
func appendQuery(uri string, q url.Values) string {
	u, err := url.Parse(uri)
	if err != nil {
		return uri
	}
	existing := u.Query()
	for k, v := range q {
		existing[k] = v
	}
	u.RawQuery = existing.Encode()
	return u.String()
}

func asOAuth(err error) *domain.OAuthError {
	var oe *domain.OAuthError
	if errors.As(err, &oe) {
		return oe
	}
	return domain.ErrServerError("internal error").WithCause(err)
}

// pageErr wraps an error for display unless the store is down, which the edge
// reports as 503 itself.
func pageErr(err error) error {
	oe := asOAuth(err)
	if oe.Code == domain.CodeTemporarilyUnavailable || oe.Code == domain.CodeServerError {
		return oe
	}
	return &PageError{oe}
}

// ignoredScopes are well-known scopes clients send by habit that this server
// does not grant: no ID tokens (openid) and refresh tokens follow the
// client's registered grant types, not offline_access. RFC 6749 §3.3 lets
// the server ignore them instead of failing the request.
var ignoredScopes = domain.NewScopes("openid", "offline_access")

func withoutIgnoredScopes(s domain.Scopes) domain.Scopes { return s.Minus(ignoredScopes) }
