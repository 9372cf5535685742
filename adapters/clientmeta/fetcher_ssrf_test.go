package clientmeta

import (
	"errors"
	"net"
	"testing"
)

func TestFetchClientLoopbackNeedsAllowList(t *testing.T) {
	srv, hits := countingServer(t, true, serveValid)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	url := srv.URL + "/client.json"

	tests := []struct {
		name    string
		allow   []string
		blocked bool
	}{
		{"not listed", nil, true},
		{"other host listed", []string{"app.example"}, true},
		{"same host, other port", []string{"127.0.0.1:1"}, true},
		{"host listed", []string{"127.0.0.1"}, false},
		{"host and port listed", []string{"127.0.0.1:" + port}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			f := New(Config{AllowHosts: tt.allow})
			trust(f, srv)
			_, err := f.FetchClient(t.Context(), url)
			if tt.blocked {
				wantInvalidClient(t, err, descFetch)
				if !errors.Is(err, errBlockedAddress) {
					t.Errorf("err = %v, want the dial guard as cause", err)
				}
				if hits.Load() != before {
					t.Error("request reached the server")
				}
				return
			}
			if err != nil {
				t.Fatalf("FetchClient: %v", err)
			}
		})
	}
}

// The allow list names hosts, but the guard judges the address actually
// dialled: "localhost" is refused when it resolves to loopback, however it
// got past URL validation.
func TestFetchClientGuardsResolvedAddress(t *testing.T) {
	t.Run("listed by name", func(t *testing.T) {
		srv, _ := countingServer(t, false, serveValid)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		f := New(Config{AllowHTTP: true, AllowHosts: []string{"localhost"}})
		if _, err := f.FetchClient(t.Context(), "http://localhost:"+port+"/client.json"); err != nil {
			t.Fatalf("FetchClient: %v", err)
		}
	})
	t.Run("not listed", func(t *testing.T) {
		srv, hits := countingServer(t, true, serveValid)
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		f := New(Config{AllowHosts: []string{"127.0.0.1"}})
		trust(f, srv)
		_, err := f.FetchClient(t.Context(), "https://localhost:"+port+"/client.json")
		wantInvalidClient(t, err, descFetch)
		if !errors.Is(err, errBlockedAddress) {
			t.Errorf("err = %v, want refusal at dial time", err)
		}
		if hits.Load() != 0 {
			t.Error("request reached the server")
		}
	})
}
