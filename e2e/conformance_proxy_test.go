package e2e

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
)

// startTokenProxy serves a reverse proxy to the server at base that adds a
// bearer token to every request, for clients that cannot send one (the
// conformance server scenarios run unauthenticated). It stands in for the
// server transparently: a Host or Origin naming the proxy itself is
// rewritten to the server's, so its DNS-rebinding guard sees what a direct
// client would send, while any other Host or Origin (a rebinding attack)
// reaches it unchanged. Proxy errors go to errs, and a line per exchange to
// trace when it is not nil.
func startTokenProxy(t *testing.T, base, token string, errs, trace *syncBuffer) *httptest.Server {
	t.Helper()
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(nil)
	_, port, err := net.SplitHostPort(ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host
			if isLoopbackAuthority(r.In.Host, port) {
				r.Out.Host = target.Host
			}
			if o, err := url.Parse(r.In.Header.Get("Origin")); err == nil && isLoopbackAuthority(o.Host, port) {
				r.Out.Header.Set("Origin", target.Scheme+"://"+target.Host)
			}
			r.Out.Header.Set("Authorization", "Bearer "+token)
		},
		ErrorLog: log.New(errs, "proxy: ", 0),
		// Every exchange is logged (method, MCP method, status, duration) so
		// a failing scenario shows which request went wrong and how.
		ModifyResponse: func(res *http.Response) error {
			if trace == nil {
				return nil
			}
			fmt.Fprintf(trace, "proxy: %s %s mcp-method=%q -> %d %s\n", res.Request.Method, res.Request.URL.Path,
				res.Request.Header.Get("Mcp-Method"), res.StatusCode, res.Header.Get("Content-Type"))
			return nil
		},
		// A connection of its own per request: the suite's scenarios open and
		// abandon event streams, and a pooled connection shared with them
		// could be torn down under a later request.
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// isLoopbackAuthority reports whether hostport is a loopback name
// (localhost, 127.0.0.0/8, ::1) with the given port.
func isLoopbackAuthority(hostport, port string) bool {
	host, p, err := net.SplitHostPort(hostport)
	if err != nil || p != port {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
