package upstream_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2/clientcredentials"

	"gatehouse/adapters/tools/upstream"
)

func TestHTTPUpstreamGetsGatehousesOwnClientCredentialsToken(t *testing.T) {
	var issued atomic.Int32
	as := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if err := r.ParseForm(); err != nil || !ok || id != "gatehouse" || secret != "s3cret" ||
			r.PostForm.Get("grant_type") != "client_credentials" || r.PostForm.Get("scope") != "mcp.call" {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		issued.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"upstream-token","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(as.Close)

	up := mcpsdk.NewServer(&mcpsdk.Implementation{Name: "remote", Version: "1"}, nil)
	addEcho(up, "echo", nil)
	var refused atomic.Int32
	mcpHandler := mcpsdk.NewStreamableHTTPHandler(func(*http.Request) *mcpsdk.Server { return up }, nil)
	rs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer upstream-token" || r.Header.Get("X-Tenant") != "acme" {
			refused.Add(1)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		mcpHandler.ServeHTTP(w, r)
	}))
	// Closed after the gateway (cleanups run last first), which holds a stream open.
	t.Cleanup(rs.Close)

	connect := upstream.HTTP(upstream.HTTPSpec{
		URL:     rs.URL,
		Headers: map[string]string{"X-Tenant": "acme"},
		ClientCredentials: &clientcredentials.Config{
			ClientID: "gatehouse", ClientSecret: "s3cret", TokenURL: as.URL, Scopes: []string{"mcp.call"},
		},
	})
	f := startFront(t, []upstream.Config{{Name: "remote", Prefix: "remote_", Connect: connect, Timeout: 5 * time.Second}}, frontOptions{})
	for range 3 {
		if res := f.call(t, "remote_echo", map[string]any{"text": "hi"}); res.IsError {
			t.Fatalf("call: %s", text(res))
		}
	}
	if refused.Load() != 0 {
		t.Errorf("the upstream refused %d requests for missing credentials", refused.Load())
	}
	if n := issued.Load(); n != 1 {
		t.Errorf("token endpoint issued %d tokens, want 1 reused until it expires", n)
	}
}

func TestStdioChildGetsOnlyPathHomeAndItsEnv(t *testing.T) {
	t.Setenv("GATEHOUSE_AUTH__BUILTIN__CLIENT_SECRET", "must-not-leak")
	env := upstream.ChildEnv(map[string]string{"LOG_LEVEL": "info"})
	got := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		got[k] = true
	}
	want := map[string]bool{"LOG_LEVEL": true}
	for _, k := range []string{"PATH", "HOME"} {
		if _, ok := os.LookupEnv(k); ok {
			want[k] = true
		}
	}
	if len(got) != len(want) {
		t.Errorf("child environment has %v, want only %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("child environment lacks %s", k)
		}
	}
}

func TestCallerCancellationReachesTheUpstream(t *testing.T) {
	up := newFakeUpstream(nil)
	started, cancelled := make(chan struct{}), make(chan error, 1)
	up.server.AddTool(&mcpsdk.Tool{Name: "wait", InputSchema: map[string]any{"type": "object"}},
		func(ctx context.Context, _ *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
			close(started)
			<-ctx.Done()
			cancelled <- ctx.Err()
			return nil, ctx.Err()
		})
	f := startFront(t, []upstream.Config{cfg("u", up)}, frontOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		_, err := f.client.CallTool(ctx, &mcpsdk.CallToolParams{Name: "u_wait"})
		errc <- err
	}()
	<-started
	cancel()
	select {
	case err := <-cancelled:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("upstream's context ended with %v, want cancellation", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the upstream's handler was not cancelled when the caller cancelled")
	}
	if err := <-errc; err == nil {
		t.Error("the cancelled call returned no error")
	}
}

func TestUpstreamCredentialsDoNotFollowRedirects(t *testing.T) {
	var leaked atomic.Value
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") + "|" + r.Header.Get("X-Upstream-Key"))
	}))
	t.Cleanup(elsewhere.Close)
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(up.Close)

	tr, err := upstream.HTTP(upstream.HTTPSpec{URL: up.URL + "/mcp", Bearer: "gatehouse-own", Headers: map[string]string{"X-Upstream-Key": "k"}})(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	hc := tr.(*mcpsdk.StreamableClientTransport).HTTPClient
	res, err := hc.Post(up.URL+"/mcp", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect {
		t.Errorf("status %d, want the redirect answered as it is", res.StatusCode)
	}
	if v := leaked.Load(); v != nil {
		t.Errorf("another host received %q", v)
	}
}
