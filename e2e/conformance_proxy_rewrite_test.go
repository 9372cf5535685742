package e2e

import (
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestTokenProxyRewritesOnlyItsOwnAuthority(t *testing.T) {
	t.Parallel()
	type seen struct{ Host, Origin, Authorization string }
	got := make(chan seen, 1)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Host, r.Header.Get("Origin"), r.Header.Get("Authorization")}
	}))
	t.Cleanup(backend.Close)
	errs := &syncBuffer{}
	proxy := startTokenProxy(t, backend.URL, "tok", errs, nil)
	_, port, err := net.SplitHostPort(proxy.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	backendHost := backend.Listener.Addr().String()

	tests := []struct {
		name       string
		host       string
		origin     string
		wantHost   string
		wantOrigin string
	}{
		{"own host by name", "localhost:" + port, "", backendHost, ""},
		{"own host by address", "127.0.0.1:" + port, "", backendHost, ""},
		{"own host and origin", "localhost:" + port, "http://localhost:" + port, backendHost, backend.URL},
		{"own origin over IPv6 loopback", "[::1]:" + port, "http://[::1]:" + port, backendHost, backend.URL},
		{"foreign host and origin", "evil.example.com", "http://evil.example.com", "evil.example.com", "http://evil.example.com"},
		{"loopback on another port", "localhost:1", "http://localhost:1", "localhost:1", "http://localhost:1"},
		{"own host, foreign origin", "localhost:" + port, "http://evil.example.com", backendHost, "http://evil.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, proxy.URL+"/mcp", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tt.host
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := seen{tt.wantHost, tt.wantOrigin, "Bearer tok"}
			if g := <-got; g != want {
				t.Errorf("server saw %+v, want %+v", g, want)
			}
		})
	}
	if errs.String() != "" {
		t.Errorf("proxy errors: %s", errs)
	}
}
