package redis_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	redisstore "gatehouse/adapters/store/redis"
	"gatehouse/domain"
	"gatehouse/ports"
)

// wallBase is near the wall clock, as a production caller's now is.
var wallBase = time.Now().Truncate(time.Millisecond)

// operations calls one operation of every kind the store has: reads,
// scripts, the revocation check, the limiter, the audit trail and Ping.
func operations(s *redisstore.Store) map[string]func(ctx context.Context) error {
	now := wallBase
	return map[string]func(ctx context.Context) error{
		"Ping":      s.Ping,
		"GetClient": func(ctx context.Context) error { _, err := s.GetClient(ctx, "c1"); return err },
		"GetUser":   func(ctx context.Context) error { _, err := s.GetUser(ctx, "alice"); return err },
		"UpdateUser": func(ctx context.Context) error {
			return s.UpdateUser(ctx, domain.User{Username: "alice"})
		},
		"ConsumeAuthCode": func(ctx context.Context) error {
			_, err := s.ConsumeAuthCode(ctx, "code-hash", now)
			return err
		},
		"RotateRefreshToken": func(ctx context.Context) error {
			_, err := s.RotateRefreshToken(ctx, "r1", ports.Rotation{Next: domain.RefreshToken{Hash: "r2", GrantID: "g1", ExpiresAt: now.Add(time.Hour)}}, now)
			return err
		},
		"AnyRevoked": func(ctx context.Context) error { _, err := s.AnyRevoked(ctx, now, "jti:1", "grant:g1"); return err },
		"Allow": func(ctx context.Context) error {
			_, err := s.Allow(ctx, "tools:alice", 10, time.Minute, now)
			return err
		},
		"CreateSession": func(ctx context.Context) error {
			return s.CreateSession(ctx, domain.Session{IDHash: "s1", Subject: "alice", Kind: domain.SessionMCP, ExpiresAt: now.Add(time.Hour)}, 1, now)
		},
		"ListGrants":       func(ctx context.Context) error { _, err := s.ListGrants(ctx, "alice", now); return err },
		"GetAuthRequest":   func(ctx context.Context) error { _, err := s.GetAuthRequest(ctx, "ar1", now); return err },
		"RecordInvocation": func(ctx context.Context) error { return s.RecordInvocation(ctx, domain.ToolInvocation{Tool: "whoami"}) },
	}
}

// TestUnavailableWhenDown: with Redis gone every kind of operation fails
// with ErrUnavailable (never ErrNotFound or a pass), and the same Store
// works again once Redis is back on its address, without being rebuilt.
func TestUnavailableWhenDown(t *testing.T) {
	mr := miniredis.RunT(t)
	s := mustOpen(t, "redis://"+mr.Addr(), redisstore.Options{OpTimeout: 500 * time.Millisecond})
	ctx := t.Context()
	if err := s.CreateClient(ctx, domain.Client{ID: "c1", Name: "kept"}); err != nil {
		t.Fatalf("CreateClient: %v", err)
	}

	mr.Close()
	for name, op := range operations(s) {
		if err := op(ctx); !errors.Is(err, ports.ErrUnavailable) {
			t.Errorf("%s with Redis down: error %v, want ErrUnavailable", name, err)
		}
	}
	if ok, err := s.AnyRevoked(ctx, wallBase, "jti:1"); ok || err == nil {
		t.Errorf("AnyRevoked with Redis down = (%v, %v), want an error and no verdict", ok, err)
	}

	if err := mr.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	waitReachable(t, s)
	for name, op := range operations(s) {
		if err := op(ctx); errors.Is(err, ports.ErrUnavailable) {
			t.Errorf("%s after Redis came back: %v", name, err)
		}
	}
	c, err := s.GetClient(ctx, "c1")
	if err != nil || c.Name != "kept" {
		t.Errorf("GetClient after restart = (%+v, %v), want the client stored before", c, err)
	}
}

// waitReachable polls Ping for a bounded time: the client's pool may hold
// back dialling for a moment after a run of failed dials.
func waitReachable(t *testing.T, s *redisstore.Store) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := s.Ping(t.Context())
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis still unreachable through the old Store after restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUnavailableWithinOpTimeout: a server that accepts connections but
// never answers makes every operation fail with ErrUnavailable once
// OpTimeout has passed, instead of hanging on the client's own, longer
// timeouts.
func TestUnavailableWithinOpTimeout(t *testing.T) {
	addr := silentServer(t)
	const opTimeout = 100 * time.Millisecond
	// Open's own read timeout is 2s: an answer well under it proves that
	// OpTimeout, not the socket timeout, ended the wait.
	const bound = 1500 * time.Millisecond
	s := mustOpen(t, "redis://"+addr, redisstore.Options{OpTimeout: opTimeout})
	for name, op := range operations(s) {
		start := time.Now()
		err := op(t.Context())
		if !errors.Is(err, ports.ErrUnavailable) {
			t.Errorf("%s against a silent server: error %v, want ErrUnavailable", name, err)
		}
		if took := time.Since(start); took > bound {
			t.Errorf("%s took %v with OpTimeout %v, want under %v", name, took, opTimeout, bound)
		}
	}
}

// silentServer accepts connections and reads them without ever replying.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

// TestErrorsHideThePassword: neither a bad URL nor a failure to reach the
// server puts the URL's password into an error.
func TestErrorsHideThePassword(t *testing.T) {
	const secret = "s3cr3t-pw"
	for i, bad := range []string{
		"redis://:" + secret + "@127.0.0.1:notaport/0",
		"redis://:" + secret + "@127.0.0.1:6379/notadb",
		"ftp://:" + secret + "@127.0.0.1:6379/0",
		"redis://:" + secret + "@127.0.0.1:6379/0?bogus=1",
		"redis://user:" + secret + "@[::1/0",
	} {
		s, err := redisstore.Open(t.Context(), bad, redisstore.Options{})
		if err == nil {
			s.Close()
			t.Errorf("Open(bad URL #%d): no error", i)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("Open error reveals the password: %v", err)
		}
	}

	addr := closedPort(t)
	s := mustOpen(t, "redis://:"+secret+"@"+addr+"/0", redisstore.Options{})
	_, err := s.GetClient(t.Context(), "c1")
	if !errors.Is(err, ports.ErrUnavailable) {
		t.Fatalf("GetClient on a closed port: %v, want ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q lost the client's own cause (the address it dialled)", err)
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("error reveals the password: %v", err)
	}
}

// closedPort returns an address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
