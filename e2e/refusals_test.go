package e2e

import (
	"net/http"
	"net/url"
	"testing"

	"golang.org/x/oauth2"
)

func TestAuthorizeAndTokenRefusals(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	b := newBrowser(t, s)
	conf := s.demoConfig(t, "read", "write")
	client := publicAuth(demoClientID)

	// codeFor runs a successful authorization and returns the code.
	codeFor := func(t *testing.T, conf *oauth2.Config) (string, authRequest) {
		t.Helper()
		req := s.newAuthRequest(conf)
		return s.wantCode(t, b.authorize(t, req.URL, "alice", "allow"), conf.RedirectURL, req.State), req
	}
	// authorizeURL builds an authorization URL by hand, for requests
	// x/oauth2 would not send.
	authorizeURL := func(q url.Values) string {
		return s.URL + "/auth/authorize?" + q.Encode()
	}
	baseQuery := func(state string) url.Values {
		return url.Values{
			"response_type": {"code"},
			"client_id":     {demoClientID},
			"redirect_uri":  {conf.RedirectURL},
			"scope":         {"read"},
			"state":         {state},
			"resource":      {s.Resource},
		}
	}

	t.Run("wrong code_verifier is invalid_grant", func(t *testing.T) {
		code, _ := codeFor(t, conf)
		_, ex, err := s.tryExchange(t, conf, code, oauth2.GenerateVerifier())
		if oauthErrorCode(err) != "invalid_grant" || ex.Status != http.StatusBadRequest {
			t.Errorf("want 400 invalid_grant, got %v\n%s", err, ex)
		}
	})

	t.Run("replayed code is invalid_grant and revokes the first tokens", func(t *testing.T) {
		code, req := codeFor(t, conf)
		first, _ := s.exchangeCode(t, conf, code, req.Verifier)
		s.wantActive(t, first.AccessToken, true)
		_, ex, err := s.tryExchange(t, conf, code, req.Verifier)
		if oauthErrorCode(err) != "invalid_grant" || ex.Status != http.StatusBadRequest {
			t.Errorf("want 400 invalid_grant, got %v\n%s", err, ex)
		}
		s.wantActive(t, first.AccessToken, false)
		wantOAuthError(t, s.refresh(t, first.RefreshToken, "", client), http.StatusBadRequest, "invalid_grant")
	})

	t.Run("code is bound to its redirect_uri", func(t *testing.T) {
		code, req := codeFor(t, conf)
		other := *conf
		other.RedirectURL = loopbackCallback(t)
		_, ex, err := s.tryExchange(t, &other, code, req.Verifier)
		if oauthErrorCode(err) != "invalid_grant" {
			t.Errorf("want invalid_grant, got %v\n%s", err, ex)
		}
	})

	t.Run("code is bound to its client", func(t *testing.T) {
		code, req := codeFor(t, conf)
		thief := s.oauthConfig(demoServiceID, demoServiceSecret, conf.RedirectURL)
		_, ex, err := s.tryExchange(t, thief, code, req.Verifier)
		if c := oauthErrorCode(err); c != "invalid_grant" && c != "unauthorized_client" {
			t.Errorf("want invalid_grant or unauthorized_client, got %v\n%s", err, ex)
		}
	})

	t.Run("plain code_challenge_method is refused", func(t *testing.T) {
		q := baseQuery("st-plain")
		verifier := oauth2.GenerateVerifier()
		q.Set("code_challenge", verifier)
		q.Set("code_challenge_method", "plain")
		s.wantNoCode(t, b.authorize(t, authorizeURL(q), "alice", "allow"), "st-plain", "invalid_request")
	})

	t.Run("missing code_challenge is refused", func(t *testing.T) {
		q := baseQuery("st-nopkce")
		s.wantNoCode(t, b.authorize(t, authorizeURL(q), "alice", "allow"), "st-nopkce", "invalid_request")
	})

	t.Run("unknown scope is invalid_scope", func(t *testing.T) {
		req := s.newAuthRequest(s.demoConfig(t, "read", "launch-missiles"))
		s.wantNoCode(t, b.authorize(t, req.URL, "alice", "allow"), req.State, "invalid_scope")
	})

	t.Run("implicit response_type is unsupported_response_type", func(t *testing.T) {
		q := baseQuery("st-token")
		q.Set("response_type", "token")
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
		q.Set("code_challenge_method", "S256")
		s.wantNoCode(t, b.authorize(t, authorizeURL(q), "alice", "allow"), "st-token", "unsupported_response_type")
	})

	t.Run("malformed code_challenge is invalid_request", func(t *testing.T) {
		q := baseQuery("st-shortchallenge")
		q.Set("code_challenge", "abc")
		q.Set("code_challenge_method", "S256")
		s.wantNoCode(t, b.authorize(t, authorizeURL(q), "alice", "allow"), "st-shortchallenge", "invalid_request")
	})

	t.Run("code_verifier shorter than 43 characters is refused", func(t *testing.T) {
		verifier := "short-verifier"
		req := s.newAuthRequest(conf, oauth2.S256ChallengeOption(verifier))
		code := s.wantCode(t, b.authorize(t, req.URL, "alice", "allow"), conf.RedirectURL, req.State)
		_, ex, err := s.tryExchange(t, conf, code, verifier)
		if c := oauthErrorCode(err); c != "invalid_grant" && c != "invalid_request" {
			t.Errorf("want invalid_grant or invalid_request (RFC 7636 §4.1), got %v\n%s", err, ex)
		}
	})

	t.Run("missing redirect_uri with two registered gets an error page", func(t *testing.T) {
		q := baseQuery("st-noredirect")
		q.Del("redirect_uri")
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
		q.Set("code_challenge_method", "S256")
		wantErrorPage(t, s.get(t, authorizeURL(q)))
	})

	t.Run("repeated redirect_uri gets an error page", func(t *testing.T) {
		q := baseQuery("st-twice")
		q.Add("redirect_uri", "https://evil.example/callback")
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
		q.Set("code_challenge_method", "S256")
		wantErrorPage(t, s.get(t, authorizeURL(q)))
	})

	t.Run("two client authentication methods at once are refused", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {demoServiceID}, "client_secret": {demoServiceSecret}}
		ex := s.token(t, form, demoService())
		if ex.Status == http.StatusOK {
			t.Errorf("RFC 6749 §2.3: a client MUST NOT use more than one authentication method\n%s", ex)
		}
	})

	t.Run("confidential client without authentication is invalid_client", func(t *testing.T) {
		form := url.Values{"grant_type": {"client_credentials"}}
		wantOAuthError(t, s.token(t, form, publicAuth(demoServiceID)), http.StatusUnauthorized, "invalid_client")
	})

	t.Run("unregistered redirect_uri gets an error page", func(t *testing.T) {
		for _, uri := range []string{"https://evil.example/callback", "http://localhost:3000/other", "http://localhost.evil.example:3000/callback"} {
			q := baseQuery("st-redirect")
			q.Set("redirect_uri", uri)
			q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
			q.Set("code_challenge_method", "S256")
			wantErrorPage(t, s.get(t, authorizeURL(q)))
		}
	})

	t.Run("unknown client_id gets an error page", func(t *testing.T) {
		q := baseQuery("st-client")
		q.Set("client_id", "no-such-client")
		q.Set("code_challenge", oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier()))
		q.Set("code_challenge_method", "S256")
		wantErrorPage(t, s.get(t, authorizeURL(q)))
	})

	t.Run("wrong client secret at the token endpoint is 401 invalid_client", func(t *testing.T) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {"whatever"}, "code_verifier": {oauth2.GenerateVerifier()}}
		for _, auth := range []clientAuth{basicAuth(demoServiceID, "wrong"), postAuth(demoServiceID, "wrong")} {
			ex := s.token(t, form, auth)
			wantOAuthError(t, ex, http.StatusUnauthorized, "invalid_client")
			if ex.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate\n%s", ex)
			}
		}
	})

	t.Run("password grant is unsupported_grant_type", func(t *testing.T) {
		form := url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {demoPassword}}
		wantOAuthError(t, s.token(t, form, client), http.StatusBadRequest, "unsupported_grant_type")
		wantOAuthError(t, s.token(t, form, demoService()), http.StatusBadRequest, "unsupported_grant_type")
	})

	t.Run("foreign resource is invalid_target", func(t *testing.T) {
		req := s.newAuthRequest(conf, oauth2.SetAuthURLParam("resource", "https://evil.example/mcp"))
		s.wantRedirectError(t, b.authorize(t, req.URL, "alice", "allow"), req.State, "invalid_target")
	})

	t.Run("deny at consent is access_denied", func(t *testing.T) {
		other := s.demoConfig(t, "read")
		b := newBrowser(t, s)
		req := s.newAuthRequest(other)
		o := b.authorize(t, req.URL, "bob", "deny")
		s.wantRedirectError(t, o, req.State, "access_denied")
		if len(o.Pages) != 2 {
			t.Errorf("want the login and the consent page before the denial\n%s", o)
		}
	})
}
