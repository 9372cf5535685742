package mcp_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
)

// tokenState is what the stdio authenticator sees: a token that tests can
// expire, and how often it was checked.
type tokenState struct {
	mu     sync.Mutex
	err    error
	checks int
}

func (s *tokenState) authenticate(context.Context) (app.Caller, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks++
	if s.err != nil {
		return app.Caller{}, s.err
	}
	return app.Caller{Principal: bob}, nil
}

func (s *tokenState) expire(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *tokenState) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checks
}

// runStdio serves f over a pair of pipes and returns the client's side and
// a channel with RunStdio's result.
func runStdio(ctx context.Context, f *fixture, auth func(context.Context) (app.Caller, error)) (*mcpsdk.IOTransport, <-chan error) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- f.srv.RunStdio(ctx, inR, outW, auth)
		_ = outW.Close()
	}()
	return &mcpsdk.IOTransport{Reader: outR, Writer: inW}, done
}

func waitDone(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("RunStdio did not return")
		return nil
	}
}

func TestStdioTokenExpiresMidSession(t *testing.T) {
	for _, version := range []string{modernVersion, legacyVersion} {
		t.Run(version, func(t *testing.T) {
			f := newFixture(t, nil)
			tok := &tokenState{}
			tr, done := runStdio(t.Context(), f, tok.authenticate)
			cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "stdio-client", Version: "1"}, nil).
				Connect(t.Context(), tr, &mcpsdk.ClientSessionOptions{ProtocolVersion: version})
			if err != nil {
				t.Fatalf("connect: %v", err)
			}
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Errorf("negotiated %q, want %q", got, version)
			}
			res, err := cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
			if err != nil || res.IsError {
				t.Fatalf("CallTool before expiry = %+v, %v; want success", res, err)
			}
			_, err = cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "note_write", Arguments: map[string]any{"text": "hi"}})
			if err == nil || !strings.Contains(err.Error(), "insufficient_scope: tool note_write needs scope write") {
				t.Errorf("CallTool(note_write) error = %v, want insufficient_scope naming write", err)
			}
			before := tok.count()

			tok.expire(errors.New("token expired"))
			_, err = cs.CallTool(t.Context(), &mcpsdk.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
			const want = "OAuth2 authentication failed: token expired"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("CallTool after expiry error = %v, want %q", err, want)
			}
			if _, err := cs.ListTools(t.Context(), nil); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ListTools after expiry error = %v, want %q", err, want)
			}
			if got := tok.count(); got != before+2 {
				t.Errorf("token checked %d times for 2 requests, want every request checked", got-before)
			}
			invs := f.audit.all()
			if len(invs) != 2 || invs[0].Transport != app.TransportStdio || invs[0].Outcome != "ok" || invs[1].Outcome != "denied" {
				t.Errorf("audit = %+v, want ok then denied over stdio and nothing after expiry", invs)
			}

			if err := cs.Close(); err != nil {
				t.Errorf("client close: %v", err)
			}
			if err := waitDone(t, done); err != nil {
				t.Errorf("RunStdio after stdin closed = %v, want nil", err)
			}
		})
	}
}

func TestStdioRefusesBadTokenAtStart(t *testing.T) {
	f := newFixture(t, nil)
	tr, _ := runStdio(t.Context(), f, func(context.Context) (app.Caller, error) {
		return app.Caller{}, errors.New("signature invalid")
	})
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "stdio-client", Version: "1"}, nil).Connect(t.Context(), tr, nil)
	if err == nil {
		_ = cs.Close()
		t.Fatal("connect with a bad token succeeded")
	}
	if want := "OAuth2 authentication failed: signature invalid"; !strings.Contains(err.Error(), want) {
		t.Errorf("connect error = %v, want %q", err, want)
	}
}

func TestStdioStopsWhenContextEnds(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	tok := &tokenState{}
	tr, done := runStdio(ctx, f, tok.authenticate)
	cs, err := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "stdio-client", Version: "1"}, nil).Connect(t.Context(), tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	cancel()
	if err := waitDone(t, done); !errors.Is(err, context.Canceled) {
		t.Errorf("RunStdio after cancel = %v, want context.Canceled", err)
	}
}
