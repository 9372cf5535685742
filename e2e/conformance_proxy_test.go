package e2e

import (
	"bytes"
	"fmt"
	"io"
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
			// The request body is read whole before forwarding. Streamed, the
			// transport may still be reading it when the response starts;
			// the HTTP/1 server then closes the inbound body, the transport
			// fails the write and closes the upstream connection under the
			// response it is relaying (golang/go#40747), cutting it short.
			body, err := io.ReadAll(r.In.Body)
			if err != nil {
				fmt.Fprintf(errs, "proxy: read request body: %v\n", err)
			}
			r.Out.Body = io.NopCloser(bytes.NewReader(body))
			r.Out.ContentLength = int64(len(body))
		},
		ErrorLog: log.New(errs, "proxy: ", 0),
		// Every exchange is logged (method, MCP method, status, duration) so
		// a failing scenario shows which request went wrong and how.
		ModifyResponse: func(res *http.Response) error {
			if trace == nil {
				return nil
			}
			line := fmt.Sprintf("proxy: %s %s mcp-method=%q -> %d %s", res.Request.Method, res.Request.URL.Path,
				res.Request.Header.Get("Mcp-Method"), res.StatusCode, res.Header.Get("Content-Type"))
			res.Body = &tracedBody{ReadCloser: res.Body, line: line, trace: trace}
			return nil
		},
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

// tracedBody records, when the proxy closes a response body, how much of it
// was relayed and how reading it ended.
type tracedBody struct {
	io.ReadCloser
	line  string
	trace *syncBuffer
	n     int
	head  []byte
	err   error
}

func (b *tracedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += n
	if len(b.head) < 120 {
		b.head = append(b.head, p[:min(n, 120-len(b.head))]...)
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

func (b *tracedBody) Close() error {
	fmt.Fprintf(b.trace, "%s body=%dB end=%v head=%q\n", b.line, b.n, b.err, b.head)
	return b.ReadCloser.Close()
}
