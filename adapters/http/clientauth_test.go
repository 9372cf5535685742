package http

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/labstack/echo/v4"

	"gatehouse/app"
	"gatehouse/domain"
)

func basicRaw(raw string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw)) }

func TestClientCredentials(t *testing.T) {
	tests := []struct {
		name    string
		auth    string
		form    url.Values
		want    app.ClientCredentials
		wantErr string
	}{
		{name: "basic", auth: basicRaw("conf-app:s3cret"),
			want: app.ClientCredentials{ClientID: "conf-app", Secret: "s3cret", Method: domain.AuthMethodClientSecretBasic}},
		{name: "basic values are form-urlencoded", auth: basicRaw("a%3Ab:p%40ss+word%25"),
			want: app.ClientCredentials{ClientID: "a:b", Secret: "p@ss word%", Method: domain.AuthMethodClientSecretBasic}},
		{name: "basic secret may contain a colon", auth: basicRaw("id:x:y"),
			want: app.ClientCredentials{ClientID: "id", Secret: "x:y", Method: domain.AuthMethodClientSecretBasic}},
		{name: "basic scheme is case-insensitive", auth: "bAsIc " + base64.StdEncoding.EncodeToString([]byte("id:s")),
			want: app.ClientCredentials{ClientID: "id", Secret: "s", Method: domain.AuthMethodClientSecretBasic}},
		{name: "basic with the same client_id in the body", auth: basicRaw("id:s"), form: url.Values{"client_id": {"id"}},
			want: app.ClientCredentials{ClientID: "id", Secret: "s", Method: domain.AuthMethodClientSecretBasic}},
		{name: "post", form: url.Values{"client_id": {"id"}, "client_secret": {"s"}},
			want: app.ClientCredentials{ClientID: "id", Secret: "s", Method: domain.AuthMethodClientSecretPost}},
		{name: "none", form: url.Values{"client_id": {"id"}},
			want: app.ClientCredentials{ClientID: "id", Method: domain.AuthMethodNone}},
		{name: "nothing at all", want: app.ClientCredentials{Method: domain.AuthMethodNone}},
		{name: "basic and client_secret in body", auth: basicRaw("id:s"), form: url.Values{"client_secret": {"s"}},
			wantErr: domain.CodeInvalidRequest},
		{name: "basic with another client_id in body", auth: basicRaw("id:s"), form: url.Values{"client_id": {"other"}},
			wantErr: domain.CodeInvalidRequest},
		{name: "malformed base64", auth: "Basic !!!not-base64", wantErr: domain.CodeInvalidClient},
		{name: "no colon", auth: basicRaw("idonly"), wantErr: domain.CodeInvalidClient},
		{name: "bad escape in id", auth: basicRaw("a%zz:s"), wantErr: domain.CodeInvalidClient},
		{name: "bad escape in secret", auth: basicRaw("a:s%"), wantErr: domain.CodeInvalidClient},
		{name: "bearer scheme", auth: "Bearer abc", wantErr: domain.CodeInvalidClient},
		{name: "scheme alone", auth: "Basic", wantErr: domain.CodeInvalidClient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/auth/token", nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			c := echo.New().NewContext(req, httptest.NewRecorder())
			form := tt.form
			if form == nil {
				form = url.Values{}
			}
			got, err := clientCredentials(c, form)
			if tt.wantErr != "" {
				var oe *domain.OAuthError
				if !errors.As(err, &oe) || oe.Code != tt.wantErr {
					t.Fatalf("clientCredentials error = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("clientCredentials: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("clientCredentials mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenEndpointMalformedBasicIsInvalidClient(t *testing.T) {
	e := newEdge(t)
	req := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}})
	req.Header.Set("Authorization", "Basic %%%")
	rec := e.do(req)
	wantStatus(t, rec, http.StatusUnauthorized)
	if got := decodeError(t, rec).Error; got != domain.CodeInvalidClient {
		t.Errorf("error = %q, want invalid_client", got)
	}
	if got := rec.Header().Get("WWW-Authenticate"); !strings.HasPrefix(got, "Basic ") {
		t.Errorf("WWW-Authenticate = %q, want a Basic challenge", got)
	}
	if got := rec.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestParseForm(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		multi       []string
		want        url.Values
		wantErr     bool
	}{
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "a=1&b=2",
			want: url.Values{"a": {"1"}, "b": {"2"}}},
		{name: "charset parameter", contentType: "application/x-www-form-urlencoded; charset=UTF-8", body: "a=1",
			want: url.Values{"a": {"1"}}},
		{name: "repeated parameter", contentType: "application/x-www-form-urlencoded", body: "a=1&a=2", wantErr: true},
		{name: "repeated empty parameter", contentType: "application/x-www-form-urlencoded", body: "a=&a=", wantErr: true},
		{name: "repeated resource allowed", contentType: "application/x-www-form-urlencoded", multi: []string{"resource"},
			body: "resource=x&resource=y", want: url.Values{"resource": {"x", "y"}}},
		{name: "other parameters still single", contentType: "application/x-www-form-urlencoded", multi: []string{"resource"},
			body: "resource=x&scope=a&scope=b", wantErr: true},
		{name: "json", contentType: "application/json", body: `{"a":"1"}`, wantErr: true},
		{name: "multipart", contentType: "multipart/form-data; boundary=x", body: "--x--", wantErr: true},
		{name: "no content type", body: "a=1", wantErr: true},
		{name: "over 64 KiB", contentType: "application/x-www-form-urlencoded", body: "a=" + strings.Repeat("x", 64<<10), wantErr: true},
		{name: "just under 64 KiB", contentType: "application/x-www-form-urlencoded", body: "a=" + strings.Repeat("x", 64<<10-2),
			want: url.Values{"a": {strings.Repeat("x", 64<<10-2)}}},
		{name: "query is not the form", contentType: "application/x-www-form-urlencoded", body: "", want: url.Values{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/auth/token?q=1", strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			c := echo.New().NewContext(req, httptest.NewRecorder())
			got, err := parseForm(c, tt.multi...)
			if tt.wantErr {
				var oe *domain.OAuthError
				if !errors.As(err, &oe) || oe.Code != domain.CodeInvalidRequest {
					t.Fatalf("parseForm error = %v, want invalid_request", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseForm: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseForm mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTokenEndpointFormRefusals(t *testing.T) {
	tests := []struct {
		name string
		req  func() *http.Request
		code string
	}{
		{name: "repeated grant_type", code: domain.CodeInvalidRequest, req: func() *http.Request {
			return formPost("/auth/token", url.Values{"grant_type": {"client_credentials", "client_credentials"}})
		}},
		{name: "json body", code: domain.CodeInvalidRequest, req: func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/auth/token", strings.NewReader(`{"grant_type":"client_credentials"}`))
			r.Header.Set("Content-Type", "application/json")
			return r
		}},
		{name: "two resources reach the use case, which refuses them", code: domain.CodeInvalidTarget, req: func() *http.Request {
			r := formPost("/auth/token", url.Values{"grant_type": {"client_credentials"}, "resource": {testMCPURL, testMCPURL}})
			r.Header.Set("Authorization", basicAuth(confID, confSecret))
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEdge(t)
			rec := e.do(tt.req())
			wantStatus(t, rec, http.StatusBadRequest)
			if got := decodeError(t, rec).Error; got != tt.code {
				t.Errorf("error = %q, want %q", got, tt.code)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
		})
	}
}
