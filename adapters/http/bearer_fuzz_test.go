package http

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gatehouse/domain"
)

// FuzzBearerToken: whatever the Authorization header and query say, parsing
// never panics; a token is returned only from a single "Bearer" header, is
// never empty and never carries surrounding space; a token in the query is
// always refused; every refusal is invalid_request or invalid_token.
func FuzzBearerToken(f *testing.F) {
	for _, seed := range []struct{ header, query string }{
		{"Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", ""},
		{"bearer  abc  ", ""},
		{"Basic dXNlcjpwdw==", ""},
		{"Bearer", ""},
		{"Bearer ", ""},
		{"", "access_token=abc"},
		{"Bearer abc", "access_token=abc"},
		{"Bearer\tabc", ""},
		{"BEARER a b c", ""},
	} {
		f.Add(seed.header, seed.query)
	}
	f.Fuzz(func(t *testing.T, header, query string) {
		r := httptest.NewRequest(http.MethodPost, "/mcp", nil)
		r.URL.RawQuery = query
		if header != "" {
			r.Header.Set("Authorization", header)
		}
		tok, ok, err := bearerToken(r)
		inQuery := r.URL.Query().Has("access_token")
		switch {
		case err != nil:
			var oe *domain.OAuthError
			if !errors.As(err, &oe) || (oe.Code != domain.CodeInvalidRequest && oe.Code != domain.CodeInvalidToken) {
				t.Fatalf("refusal %v is neither invalid_request nor invalid_token", err)
			}
			if ok || tok != "" {
				t.Fatalf("refusal %v came with token %q", err, tok)
			}
		case ok:
			if inQuery {
				t.Fatalf("token accepted while the query carries access_token=")
			}
			if tok == "" || tok != strings.TrimSpace(tok) {
				t.Fatalf("token %q is empty or padded", tok)
			}
			if scheme, _, _ := strings.Cut(header, " "); !strings.EqualFold(scheme, "Bearer") {
				t.Fatalf("token %q taken from a %q header", tok, scheme)
			}
		default:
			if header != "" || inQuery {
				t.Fatalf("header %q / query %q neither refused nor accepted", header, query)
			}
		}
	})
}
