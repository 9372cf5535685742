package e2e

import (
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// docServer publishes client metadata documents over TLS and counts the
// connections made to it, so a refused fetch shows as zero even before any
// TLS handshake.
type docServer struct {
	*httptest.Server
	conns   atomic.Int64
	fetches atomic.Int64
}

func newDocServer(t *testing.T, docs map[string]func(self string) map[string]any) *docServer {
	t.Helper()
	d := &docServer{}
	d.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.fetches.Add(1)
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc(d.URL + r.URL.Path))
	}))
	d.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			d.conns.Add(1)
		}
	}
	d.StartTLS()
	t.Cleanup(d.Close)
	return d
}

// trustFile writes the certificate of a TLS test server to a PEM file for
// the gatehouse process' SSL_CERT_FILE.
func trustFile(t *testing.T, ts *httptest.Server) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(path, block, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClientIDMetadataDocuments(t *testing.T) {
	t.Parallel()
	redirect := loopbackCallback(t)
	public := func(self string) map[string]any {
		return map[string]any{
			"client_id":                  self,
			"client_name":                "e2e metadata client",
			"redirect_uris":              []string{redirect},
			"grant_types":                []string{"authorization_code", "refresh_token"},
			"response_types":             []string{"code"},
			"token_endpoint_auth_method": "none",
		}
	}
	allowed := newDocServer(t, map[string]func(string) map[string]any{
		"/client.json": public,
		"/liar.json": func(string) map[string]any {
			doc := public("")
			doc["client_id"] = "https://someone-else.example/client.json"
			return doc
		},
		"/secret.json": func(self string) map[string]any {
			doc := public(self)
			doc["client_secret"] = "shh"
			return doc
		},
	})
	private := newDocServer(t, map[string]func(string) map[string]any{"/client.json": public})

	// Both document servers present the same test certificate, which the
	// process trusts; only the allow-list tells them apart.
	s := startServer(t,
		"SSL_CERT_FILE="+trustFile(t, allowed.Server),
		"GATEHOUSE_AUTH__BUILTIN__CLIENT_METADATA__ALLOW_HOSTS="+strings.TrimPrefix(allowed.URL, "https://"),
	)

	t.Run("an allow-listed document client completes the code flow", func(t *testing.T) {
		id := allowed.URL + "/client.json"
		conf := s.oauthConfig(id, "", redirect, "read")
		tok := s.login(t, newBrowser(t, s), conf, "alice")
		if c := s.verifyAccessToken(t, tok.AccessToken); c.ClientID != id {
			t.Errorf("client_id = %q, want %q", c.ClientID, id)
		}
	})

	for _, tc := range []struct {
		name string
		path string
	}{
		{"document naming another client_id", "/liar.json"},
		{"document holding a secret", "/secret.json"},
		{"missing document", "/absent.json"},
	} {
		t.Run("refuses a "+tc.name, func(t *testing.T) {
			before := allowed.fetches.Load()
			conf := s.oauthConfig(allowed.URL+tc.path, "", redirect, "read")
			wantErrorPage(t, s.get(t, s.newAuthRequest(conf).URL))
			if allowed.fetches.Load() == before {
				t.Errorf("refused without fetching %s", allowed.URL+tc.path)
			}
		})
	}

	t.Run("refuses a redirect_uri the document does not list", func(t *testing.T) {
		conf := s.oauthConfig(allowed.URL+"/client.json", "", "http://localhost:1/elsewhere", "read")
		wantErrorPage(t, s.get(t, s.newAuthRequest(conf).URL))
	})

	t.Run("never fetches from a loopback host off the allow-list", func(t *testing.T) {
		conf := s.oauthConfig(private.URL+"/client.json", "", redirect, "read")
		wantErrorPage(t, s.get(t, s.newAuthRequest(conf).URL))
		if n := private.conns.Load(); n != 0 {
			t.Errorf("the server connected %d times to %s, a loopback address not allow-listed (SSRF)", n, private.URL)
		}
	})
}
