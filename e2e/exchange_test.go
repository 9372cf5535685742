package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Demo data that development mode seeds (CONTRACT.md).
const (
	demoClientID      = "demo-client"
	demoServiceID     = "demo-service"
	demoServiceSecret = "demo-service-secret"
	demoPassword      = "password"
)

// exchange is one HTTP request and its response, kept verbatim so a failure
// message can show exactly what went over the wire.
type exchange struct {
	Method  string
	URL     string
	ReqHdr  http.Header
	ReqBody string
	Status  int
	Header  http.Header
	Body    string
}

func (e exchange) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "> %s %s\n", e.Method, e.URL)
	for _, k := range []string{"Authorization", "Content-Type", "Cookie"} {
		if v := e.ReqHdr.Get(k); v != "" {
			fmt.Fprintf(&b, "> %s: %s\n", k, v)
		}
	}
	if e.ReqBody != "" {
		fmt.Fprintf(&b, ">\n> %s\n", e.ReqBody)
	}
	fmt.Fprintf(&b, "< %d %s\n", e.Status, http.StatusText(e.Status))
	keys := make([]string, 0, len(e.Header))
	for k := range e.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range e.Header[k] {
			fmt.Fprintf(&b, "< %s: %s\n", k, v)
		}
	}
	body := e.Body
	if len(body) > 2000 {
		body = body[:2000] + "…"
	}
	fmt.Fprintf(&b, "<\n< %s\n", body)
	return b.String()
}

// JSON decodes the response body as a JSON object or fails the test.
func (e exchange) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(e.Body), &m); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, e)
	}
	return m
}

// Str is a string member of the JSON body ("" when absent or not a string).
func (e exchange) Str(t *testing.T, key string) string {
	t.Helper()
	s, _ := e.JSON(t)[key].(string)
	return s
}

// recorder is an http.RoundTripper that keeps every exchange it carries.
type recorder struct {
	base http.RoundTripper
	log  []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := exchange{Method: req.Method, URL: req.URL.String(), ReqHdr: req.Header.Clone()}
	if req.Body != nil && req.GetBody != nil {
		body, err := req.GetBody()
		if err == nil {
			raw, _ := io.ReadAll(body)
			ex.ReqBody = string(raw)
		}
	}
	resp, err := r.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	ex.Status, ex.Header, ex.Body = resp.StatusCode, resp.Header.Clone(), string(raw)
	r.log = append(r.log, ex)
	return resp, nil
}

func newRecorder() *recorder { return &recorder{base: http.DefaultTransport} }

// last is the most recent exchange, for failure messages.
func (r *recorder) last() exchange {
	if len(r.log) == 0 {
		return exchange{}
	}
	return r.log[len(r.log)-1]
}

// clientAuth says how a request authenticates its OAuth client.
type clientAuth struct {
	ID, Secret string
	Basic      bool // client_secret_basic; else form fields (client_secret_post, or none without Secret)
}

func basicAuth(id, secret string) clientAuth { return clientAuth{ID: id, Secret: secret, Basic: true} }
func postAuth(id, secret string) clientAuth  { return clientAuth{ID: id, Secret: secret} }
func publicAuth(id string) clientAuth        { return clientAuth{ID: id} }
func demoService() clientAuth                { return basicAuth(demoServiceID, demoServiceSecret) }

// do sends req without following redirects and returns the exchange.
func do(t *testing.T, req *http.Request) exchange {
	t.Helper()
	rec := newRecorder()
	c := &http.Client{
		Transport:     rec,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	resp.Body.Close()
	return rec.last()
}

// postForm posts an application/x-www-form-urlencoded body to path on s.
func (s *server) postForm(t *testing.T, path string, form url.Values, auth clientAuth) exchange {
	t.Helper()
	form = cloneValues(form)
	if !auth.Basic && auth.ID != "" {
		form.Set("client_id", auth.ID)
		if auth.Secret != "" {
			form.Set("client_secret", auth.Secret)
		}
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if auth.Basic {
		req.SetBasicAuth(url.QueryEscape(auth.ID), url.QueryEscape(auth.Secret))
	}
	return do(t, req)
}

// postJSON posts a JSON document to path on s, with an optional bearer token.
func (s *server) postJSON(t *testing.T, path string, doc any, bearer string) exchange {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL+path, bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return do(t, req)
}

func (s *server) get(t *testing.T, rawURL string) exchange {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func (s *server) token(t *testing.T, form url.Values, auth clientAuth) exchange {
	t.Helper()
	return s.postForm(t, "/auth/token", form, auth)
}

func (s *server) refresh(t *testing.T, refreshToken, scope string, auth clientAuth) exchange {
	t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}
	if scope != "" {
		form.Set("scope", scope)
	}
	return s.token(t, form, auth)
}

func (s *server) revoke(t *testing.T, token, hint string, auth clientAuth) exchange {
	t.Helper()
	form := url.Values{"token": {token}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	return s.postForm(t, "/auth/revoke", form, auth)
}

// introspect asks the introspection endpoint about token as demo-service.
func (s *server) introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	ex := s.postForm(t, "/auth/introspect", url.Values{"token": {token}}, demoService())
	if ex.Status != http.StatusOK {
		t.Fatalf("introspection: want 200\n%s", ex)
	}
	return ex.JSON(t)
}

func (s *server) wantActive(t *testing.T, token string, want bool) {
	t.Helper()
	got := s.introspect(t, token)
	if active, _ := got["active"].(bool); active != want {
		t.Errorf("introspect: active = %v, want %v (%v)", got["active"], want, got)
	}
}

// errorCode is the RFC 6749 error member of a JSON body, if any.
func errorCode(ex exchange) string {
	var body struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal([]byte(ex.Body), &body)
	return body.Error
}

// wantOAuthError checks an RFC 6749 error response: the status and one of
// the accepted error codes.
func wantOAuthError(t *testing.T, ex exchange, status int, codes ...string) {
	t.Helper()
	if code := errorCode(ex); ex.Status != status || !slices.Contains(codes, code) {
		t.Errorf("got (%d, %q), want (%d, one of %q)\n%s", ex.Status, code, status, codes, ex)
	}
}

// scopeSet splits a space-separated scope string (or a JSON string value).
func scopeSet(v any) []string {
	s, _ := v.(string)
	f := strings.Fields(s)
	slices.Sort(f)
	return f
}

// audiences reads aud, which JSON may carry as a string or an array.
func audiences(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, x := range a {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
