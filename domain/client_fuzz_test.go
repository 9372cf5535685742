package domain

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzMatchRedirectURI: a redirect URI matches a registered one only if it
// is the same string, or both are http loopback URIs differing in port
// alone; never with userinfo, a fragment, or another host, path or query.
func FuzzMatchRedirectURI(f *testing.F) {
	for _, seed := range [][2]string{
		{"http://127.0.0.1/cb", "http://127.0.0.1:5000/cb"},
		{"http://localhost:3000/callback", "http://localhost:8080/callback"},
		{"http://127.0.0.1/cb", "http://127.0.0.1:5000/cb#"},
		{"http://127.0.0.1/cb", "http://evil@127.0.0.1:5000/cb"},
		{"https://app.example/cb", "https://app.example/cb/"},
		{"http://[::1]/cb", "http://[::1]:9/cb"},
		{"http://127.0.0.1/cb", "http://127.0.0.2/cb"},
		{"com.example.app:/cb", "com.example.app:/cb"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, registered, requested string) {
		c := Client{RedirectURIs: []string{registered}}
		if !c.MatchRedirectURI(requested) || registered == requested {
			return
		}
		a, errA := url.Parse(registered)
		b, errB := url.Parse(requested)
		if errA != nil || errB != nil {
			t.Fatalf("%q matched %q though one does not parse", requested, registered)
		}
		switch {
		case a.Scheme != "http" || b.Scheme != "http":
			t.Fatalf("non-http %q matched %q without being equal", requested, registered)
		case !IsLoopbackHost(a.Hostname()) || a.Hostname() != b.Hostname():
			t.Fatalf("%q matched %q: not the same loopback host", requested, registered)
		case b.User != nil || a.User != nil || strings.Contains(requested, "#"):
			t.Fatalf("%q matched %q with userinfo or a fragment", requested, registered)
		case a.EscapedPath() != b.EscapedPath() || a.RawQuery != b.RawQuery:
			t.Fatalf("%q matched %q with another path or query", requested, registered)
		}
	})
}
