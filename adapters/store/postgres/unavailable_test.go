package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"gatehouse/domain"
	"gatehouse/ports"
)

// unavailableOps calls one operation of each kind the edge depends on.
func unavailableOps(s *Store) map[string]func(ctx context.Context) error {
	now := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	return map[string]func(ctx context.Context) error{
		"Ping": s.Ping,
		"GetClient": func(ctx context.Context) error {
			_, err := s.GetClient(ctx, "c1")
			return err
		},
		"GetUser": func(ctx context.Context) error {
			_, err := s.GetUser(ctx, "alice")
			return err
		},
		"UpdateUser": func(ctx context.Context) error {
			return s.UpdateUser(ctx, domain.User{Username: "alice"})
		},
		"ConsumeAuthCode": func(ctx context.Context) error {
			_, err := s.ConsumeAuthCode(ctx, "h1", now)
			return err
		},
		"RotateRefreshToken": func(ctx context.Context) error {
			_, err := s.RotateRefreshToken(ctx, "r1", ports.Rotation{Next: domain.RefreshToken{Hash: "r2"}}, now)
			return err
		},
		"AnyRevoked": func(ctx context.Context) error {
			_, err := s.AnyRevoked(ctx, now, "jti:1")
			return err
		},
		"CreateSession with a limit": func(ctx context.Context) error {
			return s.CreateSession(ctx, domain.Session{IDHash: "s1", ExpiresAt: now.Add(time.Hour)}, 3, now)
		},
		"Allow": func(ctx context.Context) error {
			_, err := s.Allow(ctx, "k", 10, time.Minute, now)
			return err
		},
		"RecordInvocation": func(ctx context.Context) error {
			return s.RecordInvocation(ctx, domain.ToolInvocation{At: now})
		},
	}
}

// wantUnavailable runs op and requires ErrUnavailable without the secret.
// The watchdog only turns a hang into a failure; it asserts no latency.
func wantUnavailable(t *testing.T, name string, op func(context.Context) error, secret string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- op(t.Context()) }()
	select {
	case err := <-done:
		if !errors.Is(err, ports.ErrUnavailable) {
			t.Errorf("%s: got %v, want ErrUnavailable", name, err)
		}
		if err != nil && secret != "" && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: error reveals the DSN password: %v", name, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not return: the operation timeout does not bound it", name)
	}
}

// TestUnavailable: with nothing listening at the DSN's port, or with a
// server that accepts and never answers, every operation fails with
// ErrUnavailable (bounded by OpTimeout) and no error quotes the password.
func TestUnavailable(t *testing.T) {
	const password = "s3cret-pw"
	closed := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		mustNil(t, err)
		addr := l.Addr().String()
		mustNil(t, l.Close())
		return addr
	}
	silent := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		mustNil(t, err)
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			_ = l.Close()
			mu.Lock()
			defer mu.Unlock()
			for _, c := range conns {
				_ = c.Close()
			}
		})
		return l.Addr().String()
	}
	for _, tc := range []struct {
		name string
		addr func(t *testing.T) string
	}{
		{"closed port", closed},
		{"silent server", silent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dsn := "postgres://gatehouse:" + password + "@" + tc.addr(t) + "/gatehouse?sslmode=disable"
			s := openStore(t, dsn, Options{OpTimeout: 300 * time.Millisecond})
			for name, op := range unavailableOps(s) {
				wantUnavailable(t, name, op, password)
			}
			wantUnavailable(t, "Migrate", func(ctx context.Context) error {
				_, err := s.Migrate(ctx)
				return err
			}, password)
		})
	}
}

// TestOpenRejectsOnlyABadDSN: Open does not connect, so a database that is
// down does not stop it; a DSN that does not parse does, with an error that
// does not quote the DSN.
func TestOpenRejectsOnlyABadDSN(t *testing.T) {
	s, err := Open(t.Context(), "postgres://u:pw@127.0.0.1:1/db?sslmode=disable", Options{})
	if err != nil {
		t.Fatalf("Open with the database down: %v", err)
	}
	_ = s.Close()

	const password = "hunter2-secret"
	_, err = Open(t.Context(), "postgres://u:"+password+"@127.0.0.1:notaport/db", Options{})
	if err == nil {
		t.Fatal("Open with a malformed DSN succeeded")
	}
	if strings.Contains(err.Error(), password) {
		t.Errorf("Open error reveals the password: %v", err)
	}
}

// proxy forwards TCP connections to PostgreSQL and can be cut and restored
// on the same address, standing in for a database that goes away and
// comes back.
type proxy struct {
	t        *testing.T
	addr     string
	upstream string

	mu    sync.Mutex
	l     net.Listener
	conns []net.Conn
}

func newProxy(t *testing.T, upstream string) *proxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	mustNil(t, err)
	p := &proxy{t: t, addr: l.Addr().String(), upstream: upstream}
	p.serve(l)
	t.Cleanup(p.cut)
	return p
}

func (p *proxy) serve(l net.Listener) {
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.upstream)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); _ = up.Close() }()
			go func() { _, _ = io.Copy(c, up); _ = c.Close() }()
		}
	}()
}

// cut stops listening and drops every connection, as a database restart
// would.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.l != nil {
		_ = p.l.Close()
		p.l = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// restore listens again on the same address.
func (p *proxy) restore() {
	l, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatalf("listen again on %s: %v", p.addr, err)
	}
	p.serve(l)
}

// TestReconnectsAfterOutage: while the database is away operations fail
// with ErrUnavailable; once it is back the pool reconnects by itself and
// the same Store works again, with its data.
func TestReconnectsAfterOutage(t *testing.T) {
	ctx := t.Context()
	_, direct := newMigratedStore(t, Options{})
	cfg, err := pgx.ParseConfig(direct)
	mustNil(t, err)
	p := newProxy(t, net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))))
	u, err := url.Parse(direct)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL; the proxy test rewrites its host", dsnVar)
	}
	u.Host = p.addr
	s := openStore(t, u.String(), Options{OpTimeout: time.Second})

	mustNil(t, s.CreateClient(ctx, domain.Client{ID: "c1"}))
	p.cut()
	for name, op := range map[string]func(context.Context) error{
		"Ping": s.Ping,
		"GetClient": func(ctx context.Context) error {
			_, err := s.GetClient(ctx, "c1")
			return err
		},
	} {
		wantUnavailable(t, name+" during the outage", op, "")
	}

	p.restore()
	mustNil(t, s.Ping(ctx))
	got, err := s.GetClient(ctx, "c1")
	mustNil(t, err)
	if got.ID != "c1" {
		t.Errorf("GetClient after the outage = %q, want c1", got.ID)
	}
}
