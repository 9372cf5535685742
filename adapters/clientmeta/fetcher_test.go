package clientmeta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
)

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// selfURL is the URL a request was made to, which is what a document served
// there must name as its client_id.
func selfURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + r.URL.Path
}

func validDoc(clientID string) string {
	return `{"client_id":"` + clientID + `","client_name":"Example","redirect_uris":["https://app.example/cb"]}`
}

func writeJSON(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

// countingServer serves h and counts the requests that reached it.
func countingServer(t *testing.T, useTLS bool, h http.HandlerFunc) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		h(w, r)
	})
	var srv *httptest.Server
	if useTLS {
		srv = httptest.NewTLSServer(wrapped)
	} else {
		srv = httptest.NewServer(wrapped)
	}
	t.Cleanup(srv.Close)
	return srv, &hits
}

func serveValid(w http.ResponseWriter, r *http.Request) { writeJSON(w, validDoc(selfURL(r))) }

// devFetcher allows plain http to the loopback test server.
func devFetcher(clk *fakeClock) *Fetcher {
	return New(Config{AllowHTTP: true, AllowHosts: []string{"127.0.0.1"}, Clock: clk.Now})
}

// trust makes f accept the test server's certificate.
func trust(f *Fetcher, srv *httptest.Server) {
	f.transport.TLSClientConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
}

func wantInvalidClient(t *testing.T, err error, desc string) {
	t.Helper()
	var oe *domain.OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("err = %v, want *domain.OAuthError", err)
	}
	if oe.Code != domain.CodeInvalidClient || oe.Description != desc {
		t.Fatalf("err = (%q, %q), want (%q, %q)", oe.Code, oe.Description, domain.CodeInvalidClient, desc)
	}
}

func TestFetchClientValid(t *testing.T) {
	clk := newFakeClock()
	srv, hits := countingServer(t, false, serveValid)
	url := srv.URL + "/oauth/client.json"

	got, err := devFetcher(clk).FetchClient(t.Context(), url)
	if err != nil {
		t.Fatalf("FetchClient: %v", err)
	}
	want := domain.Client{
		ID:                      url,
		Name:                    "Example",
		RedirectURIs:            []string{"https://app.example/cb"},
		GrantTypes:              []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken},
		ResponseTypes:           []string{"code"},
		TokenEndpointAuthMethod: domain.AuthMethodNone,
		MetadataDocument:        true,
		CreatedAt:               clk.Now(),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("client mismatch (-want +got):\n%s", diff)
	}
	if hits.Load() != 1 {
		t.Errorf("server hit %d times, want 1", hits.Load())
	}
}

func TestFetchClientRejects(t *testing.T) {
	big := strings.Repeat(" ", 64<<10)
	tests := []struct {
		name    string
		handler http.HandlerFunc
		desc    string
	}{
		{"client_id mismatch", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, validDoc("https://other.example/client.json"))
		}, "client_id in document does not match"},
		{"missing redirect_uris", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, `{"client_id":"`+selfURL(r)+`","client_name":"Example"}`)
		}, "client metadata document lacks redirect_uris"},
		{"redirect uri with fragment", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, `{"client_id":"`+selfURL(r)+`","client_name":"E","redirect_uris":["https://app.example/cb#f"]}`)
		}, "client metadata document has an invalid redirect URI"},
		{"plain http redirect uri", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, `{"client_id":"`+selfURL(r)+`","client_name":"E","redirect_uris":["http://app.example/cb"]}`)
		}, "client metadata document has an invalid redirect URI"},
		{"client secret", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, `{"client_id":"`+selfURL(r)+`","client_name":"E","redirect_uris":["https://app.example/cb"],"client_secret":"x"}`)
		}, "client metadata document must not contain a client secret"},
		{"oversized with length", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, validDoc(selfURL(r))+big)
		}, descTooLarge},
		{"oversized chunked", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, validDoc(selfURL(r)))
			w.(http.Flusher).Flush()
			fmt.Fprint(w, big)
		}, descTooLarge},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere.json", http.StatusFound)
		}, descFetch},
		{"permanent redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/elsewhere.json", http.StatusPermanentRedirect)
		}, descFetch},
		{"not found", http.NotFound, descFetch},
		{"server error", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusInternalServerError)
		}, descFetch},
		{"text/html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, validDoc(selfURL(r)))
		}, descNotJSON},
		{"no content type", func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil
			fmt.Fprint(w, validDoc(selfURL(r)))
		}, descNotJSON},
		{"json content type, not json", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, "<html></html>")
		}, "client metadata document is malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux := http.NewServeMux()
			mux.HandleFunc("/client.json", tt.handler)
			var followed atomic.Bool
			mux.HandleFunc("/elsewhere.json", func(w http.ResponseWriter, r *http.Request) {
				followed.Store(true)
				serveValid(w, r)
			})
			srv, _ := countingServer(t, false, mux.ServeHTTP)

			_, err := devFetcher(newFakeClock()).FetchClient(t.Context(), srv.URL+"/client.json")
			wantInvalidClient(t, err, tt.desc)
			if errors.Unwrap(err) == nil {
				t.Error("error carries no cause for the logs")
			}
			if followed.Load() {
				t.Error("redirect was followed")
			}
		})
	}
}

func TestFetchClientAcceptsJSONVariants(t *testing.T) {
	for _, ct := range []string{"application/json; charset=utf-8", "application/vnd.client+json", "APPLICATION/JSON"} {
		t.Run(ct, func(t *testing.T) {
			srv, _ := countingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				fmt.Fprint(w, validDoc(selfURL(r)))
			})
			if _, err := devFetcher(newFakeClock()).FetchClient(t.Context(), srv.URL+"/c"); err != nil {
				t.Fatalf("FetchClient: %v", err)
			}
		})
	}
}

func TestFetchClientBadURLMakesNoRequest(t *testing.T) {
	srv, hits := countingServer(t, false, serveValid)
	f := devFetcher(newFakeClock())
	for _, url := range []string{srv.URL + "/", srv.URL + "/c#frag", srv.URL + "/a/../c", strings.Replace(srv.URL, "://", "://u:p@", 1) + "/c"} {
		_, err := f.FetchClient(t.Context(), url)
		wantInvalidClient(t, err, "client_id is not a valid client metadata document URL")
	}
	if hits.Load() != 0 {
		t.Errorf("server hit %d times, want 0", hits.Load())
	}
}

func blockingServer(t *testing.T) (*httptest.Server, *atomic.Int32, chan struct{}) {
	t.Helper()
	release := make(chan struct{})
	srv, hits := countingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
			serveValid(w, r)
		case <-r.Context().Done():
		}
	})
	return srv, hits, release
}

func TestFetchClientTimeout(t *testing.T) {
	srv, _, _ := blockingServer(t)
	f := New(Config{AllowHTTP: true, AllowHosts: []string{"127.0.0.1"}, Timeout: 50 * time.Millisecond})
	_, err := f.FetchClient(t.Context(), srv.URL+"/client.json")
	wantInvalidClient(t, err, descFetch)
	if !errors.Is(err, context.DeadlineExceeded) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("err = %v, want a timeout", err)
		}
	}
}
