// Package redis keeps every store port, the rate limiter and the audit trail
// in Redis, so that replicas share grants, sessions, limits and the trail.
//
// Every operation is one round trip: checks and writes that must not be
// separated run as one Lua script, which Redis executes atomically. Expiry is
// decided only by the instant the caller passes; Redis TTLs merely reclaim
// memory and are always set past the point where the contract still needs a
// record (see keepFor). Scripts reach keys they discover while running (a
// refresh token's grant), so the store needs a single Redis node or a
// Sentinel group, not Redis Cluster.
package redis

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/redis/go-redis/extra/redisotel/v9"
	goredis "github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/trace"

	"gatehouse/ports"
)

var (
	_ ports.ClientStore      = (*Store)(nil)
	_ ports.GrantStore       = (*Store)(nil)
	_ ports.RevocationList   = (*Store)(nil)
	_ ports.AuthRequestStore = (*Store)(nil)
	_ ports.ConsentStore     = (*Store)(nil)
	_ ports.SessionStore     = (*Store)(nil)
	_ ports.KeyStore         = (*Store)(nil)
	_ ports.UserDirectory    = (*Store)(nil)
	_ ports.Pinger           = (*Store)(nil)
	_ ports.RateLimiter      = (*Store)(nil)
	_ ports.AuditSink        = (*Store)(nil)
	_ ports.AuditReader      = (*Store)(nil)
)

const (
	defaultPrefix      = "gatehouse:"
	defaultOpTimeout   = 2 * time.Second
	defaultAuditMaxLen = 100_000
	// connTimeout bounds dialling, reading, writing and waiting for a pooled
	// connection in clients that Open builds.
	connTimeout = 2 * time.Second
)

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// Prefix starts every key the store writes (default "gatehouse:"), so
	// that deployments and tests can share one Redis.
	Prefix string
	// OpTimeout bounds each operation (default 2s), so that an unreachable
	// Redis fails requests fast with ErrUnavailable instead of holding them.
	OpTimeout time.Duration
	// AuditMaxLen is about how many invocations the audit stream keeps
	// (default 100000); RecentInvocations never returns more.
	AuditMaxLen int64
	// Logger receives debug lines about backend failures; nil discards.
	Logger *slog.Logger
	// TracerProvider, when set, traces every Redis command Open's client
	// sends (command names only, never their arguments).
	TracerProvider trace.TracerProvider
}

// Store implements the store ports, ports.RateLimiter, ports.AuditSink and
// ports.AuditReader over one Redis client. It is safe for concurrent use.
type Store struct {
	client      goredis.UniversalClient
	owned       bool // Open built the client, so Close closes it
	prefix      string
	opTimeout   time.Duration
	auditMaxLen int64
	log         *slog.Logger
	// wall is the clock used for TTLs only, never for expiry decisions.
	wall func() time.Time
}

// New returns a store over client, which the caller keeps and closes. The
// client should not retry commands itself (MaxRetries -1): a script retried
// after a lost reply would find its own first run's effect and answer with a
// conflict or, for a refresh rotation, report reuse and revoke the grant.
// It should also set ContextTimeoutEnabled, so OpTimeout bounds reads.
func New(client goredis.UniversalClient, opts Options) *Store {
	if opts.Prefix == "" {
		opts.Prefix = defaultPrefix
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = defaultOpTimeout
	}
	if opts.AuditMaxLen <= 0 {
		opts.AuditMaxLen = defaultAuditMaxLen
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{
		client:      client,
		prefix:      opts.Prefix,
		opTimeout:   opts.OpTimeout,
		auditMaxLen: opts.AuditMaxLen,
		log:         opts.Logger,
		wall:        time.Now,
	}
}

// Open builds a client for a redis://, rediss:// or unix:// URL and returns a
// store that owns it. It does not contact Redis: a Redis that is down at
// start makes operations (and Ping) fail with ErrUnavailable until it comes
// back. The only error is an unusable URL, reported without its password.
// Timeouts and retries the URL leaves unset get fail-fast values.
func Open(_ context.Context, rawURL string, opts Options) (*Store, error) {
	o, err := goredis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redis: open: %w", redactURLError(err))
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = connTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = connTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = connTimeout
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = connTimeout
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = -1 // see New: scripts must run at most once per call
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1 // the next operation dials again; don't wait here
	}
	o.ContextTimeoutEnabled = true
	client := goredis.NewClient(o)
	if opts.TracerProvider != nil {
		if err := redisotel.InstrumentTracing(client, redisotel.WithTracerProvider(opts.TracerProvider),
			redisotel.WithDBStatement(false)); err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("redis: tracing: %w", err)
		}
	}
	s := New(client, opts)
	s.owned = true
	return s, nil
}

// redactURLError keeps what is wrong with a URL but drops the URL itself,
// which url.Parse quotes whole, password included.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("invalid URL: %w", ue.Err)
	}
	return err
}

// Close closes the client if Open built it; a client given to New is the
// caller's to close.
func (s *Store) Close() error {
	if !s.owned {
		return nil
	}
	if err := s.client.Close(); err != nil {
		return fmt.Errorf("redis: close: %w", err)
	}
	return nil
}

// Stores bundles the store as every store port.
func (s *Store) Stores() ports.Stores {
	return ports.Stores{
		Clients:      s,
		Grants:       s,
		Revocations:  s,
		AuthRequests: s,
		Consents:     s,
		Sessions:     s,
		Keys:         s,
		Users:        s,
		Pinger:       s,
	}
}

// Ping implements ports.Pinger.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// bound limits one operation to OpTimeout.
func (s *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opTimeout)
}

// fail classifies a client error once: redis.Nil is an absent record; every
// other error (network, timeout, server refusing) means the backend cannot
// answer, which callers must never take as "no record" or as a pass.
func (s *Store) fail(op string, err error) error {
	if errors.Is(err, goredis.Nil) {
		return fmt.Errorf("redis: %s: %w", op, ports.ErrNotFound)
	}
	s.log.Debug("redis operation failed", "op", op, "error", err)
	return fmt.Errorf("redis: %s: %w: %w", op, ports.ErrUnavailable, err)
}

// key joins the prefix, a namespace and an id. Ids come last, so any string
// is safe there.
func (s *Store) key(namespace, id string) string { return s.prefix + namespace + id }

// key2 names a record by two caller-chosen strings; the first is
// length-prefixed so that no pair of strings can collide with another.
func (s *Store) key2(namespace, a, b string) string {
	return s.prefix + namespace + strconv.Itoa(len(a)) + ":" + a + ":" + b
}
