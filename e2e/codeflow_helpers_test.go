package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// oauthConfig is an x/oauth2 configuration for a client of s. A public
// client (no secret) sends its id in the form; a confidential one uses
// HTTP Basic.
func (s *server) oauthConfig(clientID, secret, redirectURI string, scopes ...string) *oauth2.Config {
	style := oauth2.AuthStyleInParams
	if secret != "" {
		style = oauth2.AuthStyleInHeader
	}
	return &oauth2.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		RedirectURL:  redirectURI,
		Scopes:       scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   s.URL + "/auth/authorize",
			TokenURL:  s.URL + "/auth/token",
			AuthStyle: style,
		},
	}
}

// demoConfig is the demo public client with a loopback redirect URI on a
// port of its own (loopback URIs match with any port).
func (s *server) demoConfig(t *testing.T, scopes ...string) *oauth2.Config {
	t.Helper()
	return s.oauthConfig(demoClientID, "", loopbackCallback(t), scopes...)
}

func loopbackCallback(t *testing.T) string {
	t.Helper()
	return "http://localhost:" + strconv.Itoa(freePort(t)) + "/callback"
}

// authRequest is a prepared authorization request and the secrets the
// client keeps for the token request.
type authRequest struct {
	URL      string
	Verifier string
	State    string
}

// newAuthRequest builds a PKCE S256 authorization URL for the MCP resource.
func (s *server) newAuthRequest(conf *oauth2.Config, opts ...oauth2.AuthCodeOption) authRequest {
	verifier := oauth2.GenerateVerifier()
	state := rand.Text()
	opts = append([]oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("resource", s.Resource),
	}, opts...)
	return authRequest{URL: conf.AuthCodeURL(state, opts...), Verifier: verifier, State: state}
}

// wantCode checks that the attempt ended at the client's redirect URI with
// a code, the request's state and our issuer (RFC 9207), and returns the code.
func (s *server) wantCode(t *testing.T, o outcome, redirectURI, state string) string {
	t.Helper()
	if o.Redirect == nil {
		t.Fatalf("no redirect to the client\n%s", o)
	}
	want, err := url.Parse(redirectURI)
	if err != nil {
		t.Fatal(err)
	}
	got := *o.Redirect
	q := got.Query()
	got.RawQuery = ""
	if got.String() != want.String() {
		t.Errorf("redirected to %s, want %s", got.String(), want)
	}
	if e := q.Get("error"); e != "" {
		t.Fatalf("redirect carries error=%s (%s)\n%s", e, q.Get("error_description"), o)
	}
	if q.Get("state") != state {
		t.Errorf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("iss") != s.URL {
		t.Errorf("iss = %q, want %q", q.Get("iss"), s.URL)
	}
	code := q.Get("code")
	if code == "" {
		t.Fatalf("redirect has no code\n%s", o)
	}
	return code
}

// wantRedirectError checks an error sent back to the client: error code,
// state and iss, and no code.
func (s *server) wantRedirectError(t *testing.T, o outcome, state, code string) {
	t.Helper()
	if o.Redirect == nil {
		t.Fatalf("want a redirect with error=%s, got none\n%s", code, o)
	}
	q := o.Redirect.Query()
	if q.Get("error") != code {
		t.Errorf("error = %q, want %q\n%s", q.Get("error"), code, o)
	}
	if q.Get("state") != state {
		t.Errorf("state = %q, want %q", q.Get("state"), state)
	}
	if q.Get("iss") != s.URL {
		t.Errorf("iss = %q, want %q", q.Get("iss"), s.URL)
	}
	if q.Has("code") {
		t.Errorf("error redirect also carries a code\n%s", o)
	}
}

// wantNoCode checks a refused authorization request: either an error page
// or an error redirect to the client, but never a code.
func (s *server) wantNoCode(t *testing.T, o outcome, state, code string) {
	t.Helper()
	if o.Redirect != nil {
		s.wantRedirectError(t, o, state, code)
		return
	}
	if o.Last.Status < 400 {
		t.Errorf("want an error page or an error redirect, got %d\n%s", o.Last.Status, o)
	}
}

// wantErrorPage checks a refusal that must not redirect anywhere: an
// unknown client or redirect URI (RFC 6749 §4.1.2.1).
func wantErrorPage(t *testing.T, ex exchange) {
	t.Helper()
	if ex.Status != http.StatusBadRequest || ex.Header.Get("Location") != "" {
		t.Errorf("want 400 without Location\n%s", ex)
	}
}

// exchangeCode redeems code with x/oauth2 and returns the token and the
// token response as it went over the wire.
func (s *server) exchangeCode(t *testing.T, conf *oauth2.Config, code, verifier string) (*oauth2.Token, exchange) {
	t.Helper()
	tok, ex, err := s.tryExchange(t, conf, code, verifier)
	if err != nil {
		t.Fatalf("exchange code: %v\n%s", err, ex)
	}
	return tok, ex
}

func (s *server) tryExchange(t *testing.T, conf *oauth2.Config, code, verifier string) (*oauth2.Token, exchange, error) {
	t.Helper()
	rec := newRecorder()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: rec})
	tok, err := conf.Exchange(ctx, code,
		oauth2.VerifierOption(verifier),
		oauth2.SetAuthURLParam("resource", s.Resource))
	return tok, rec.last(), err
}

// oauthErrorCode is the RFC 6749 error code of a failed x/oauth2 call.
func oauthErrorCode(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}

// login runs the whole code flow for user with consent and returns the
// tokens.
func (s *server) login(t *testing.T, b *browser, conf *oauth2.Config, user string) *oauth2.Token {
	t.Helper()
	req := s.newAuthRequest(conf)
	o := b.authorize(t, req.URL, user, "allow")
	code := s.wantCode(t, o, conf.RedirectURL, req.State)
	tok, _ := s.exchangeCode(t, conf, code, req.Verifier)
	return tok
}
