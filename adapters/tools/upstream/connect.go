package upstream

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Connector opens a new connection to an upstream: for a stdio upstream,
// it starts a new child process.
type Connector func(ctx context.Context, log *slog.Logger) (mcpsdk.Transport, error)

// StdioSpec is a child process speaking MCP on stdin and stdout.
type StdioSpec struct {
	Command string
	Args    []string
	Dir     string
	// Env is the child's whole environment beyond PATH and HOME, which it
	// inherits: nothing else of Gatehouse's environment (its secrets, the
	// caller's token in stdio mode) reaches the child.
	Env map[string]string
}

// Stdio runs the command for each connection; its stderr goes to the log,
// one line per record.
func Stdio(spec StdioSpec) Connector {
	return func(_ context.Context, log *slog.Logger) (mcpsdk.Transport, error) {
		// Not CommandContext: the child lives as long as its connection,
		// which the supervisor closes; closing stdin asks it to exit.
		cmd := exec.Command(spec.Command, spec.Args...)
		cmd.Dir = spec.Dir
		cmd.Env = ChildEnv(spec.Env)
		cmd.Stderr = &lineLogger{log: log}
		return &mcpsdk.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, nil
	}
}

// ChildEnv is the environment of a stdio upstream: PATH and HOME from
// Gatehouse's own, then env.
func ChildEnv(env map[string]string) []string {
	out := make([]string, 0, len(env)+2)
	for _, k := range []string{"PATH", "HOME"} {
		if _, set := env[k]; set {
			continue
		}
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// lineLogger writes a child's stderr to the log a line at a time.
type lineLogger struct {
	log     *slog.Logger
	pending []byte
}

const maxStderrLine = 4096

func (l *lineLogger) Write(p []byte) (int, error) {
	l.pending = append(l.pending, p...)
	for {
		i := strings.IndexByte(string(l.pending), '\n')
		if i < 0 {
			if len(l.pending) > maxStderrLine {
				l.emit(l.pending[:maxStderrLine])
				l.pending = l.pending[maxStderrLine:]
				continue
			}
			return len(p), nil
		}
		l.emit(l.pending[:i])
		l.pending = l.pending[i+1:]
	}
}

func (l *lineLogger) emit(line []byte) {
	if s := strings.TrimRight(string(line), "\r"); s != "" {
		l.log.Info("upstream stderr", "line", s)
	}
}

// HTTPSpec is an upstream reached over Streamable HTTP with credentials of
// Gatehouse's own.
type HTTPSpec struct {
	URL     string
	Headers map[string]string
	// Bearer, when set, is sent as the Authorization header.
	Bearer string
	// ClientCredentials, when set, obtains tokens from the upstream's
	// authorization server (RFC 6749 §4.4) and renews them as they expire.
	ClientCredentials *clientcredentials.Config
	// Base is the transport underneath (default http.DefaultTransport).
	Base http.RoundTripper
}

// HTTP connects over Streamable HTTP.
func HTTP(spec HTTPSpec) Connector {
	base := spec.Base
	if base == nil {
		base = http.DefaultTransport
	}
	host := ""
	if u, err := url.Parse(spec.URL); err == nil {
		host = u.Host
	}
	var rt http.RoundTripper = &headerTransport{base: base, host: host, headers: spec.Headers, bearer: spec.Bearer}
	if cc := spec.ClientCredentials; cc != nil {
		// The token endpoint is called with the plain transport: the static
		// headers are for the MCP server, not its authorization server.
		src := cc.TokenSource(context.WithValue(context.Background(), oauth2.HTTPClient,
			&http.Client{Transport: base, Timeout: 30 * time.Second, CheckRedirect: noRedirects}))
		rt = &hostOnly{host: host, with: &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, src), Base: rt}, without: rt}
	}
	client := &http.Client{Transport: rt, CheckRedirect: noRedirects}
	return func(ctx context.Context, _ *slog.Logger) (mcpsdk.Transport, error) {
		hc := client
		if order := orderFrom(ctx); order != nil {
			hc = &http.Client{Transport: &countingTransport{base: rt, order: order}, CheckRedirect: noRedirects}
		}
		return &mcpsdk.StreamableClientTransport{Endpoint: spec.URL, HTTPClient: hc}, nil
	}
}

// noRedirects keeps Gatehouse's upstream credentials from following a
// redirect to another server: the redirect is answered as it is, an error.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

type headerTransport struct {
	base    http.RoundTripper
	host    string // credentials go only to this host
	headers map[string]string
	bearer  string
}

func (t *headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host != t.host {
		return t.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	for k, v := range t.headers {
		r.Header.Set(k, v)
	}
	if t.bearer != "" {
		r.Header.Set("Authorization", "Bearer "+t.bearer)
	}
	return t.base.RoundTrip(r)
}

// hostOnly sends requests for host through with, the rest through without.
type hostOnly struct {
	host          string
	with, without http.RoundTripper
}

func (h *hostOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == h.host {
		return h.with.RoundTrip(r)
	}
	return h.without.RoundTrip(r)
}
