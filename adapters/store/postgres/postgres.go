// Package postgres keeps every store port, the rate limiter's counters and
// the audit trail in PostgreSQL, so that any number of replicas share them.
//
// Expiry is always judged against the now the caller passes, never the
// database's clock: a record past its expiry behaves as absent even while its
// row still exists. Rows are removed later by the sweeper, which uses the wall
// clock with a generous slack and is housekeeping only.
//
// Queries go through bun over pgx's database/sql driver in the simple
// protocol: bun renders every argument into the statement text, so an
// extended-protocol prepare would only cost a second round trip per query.
package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/extra/bunotel"
	"github.com/uptrace/bun/migrate"
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

// Defaults for zero Options fields.
const (
	DefaultOpTimeout      = 3 * time.Second
	DefaultSweepInterval  = time.Minute
	DefaultSweepBatch     = 500
	DefaultAuditRetention = 90 * 24 * time.Hour
	DefaultMaxConns       = 10
)

// Options tune a Store; zero fields take the defaults above.
type Options struct {
	// OpTimeout bounds each operation, so that an unreachable database fails
	// fast with ports.ErrUnavailable instead of hanging a request. It is also
	// the connect timeout unless the DSN sets connect_timeout.
	OpTimeout time.Duration
	// SweepInterval is the pause between two sweeps of RunSweeper.
	SweepInterval time.Duration
	// SweepBatch is the most rows one DELETE of the sweeper removes, so that
	// no sweep holds locks on many rows at once.
	SweepBatch int
	// AuditRetention is how long audit entries are kept; negative keeps
	// them forever.
	AuditRetention time.Duration
	// MaxConns caps the connection pool of this Store (at least 2).
	MaxConns int
	// TracerProvider, when set, traces every query (its template, never
	// its arguments).
	TracerProvider trace.TracerProvider
	// Logger receives the sweeper's reports; nil discards them.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.OpTimeout <= 0 {
		o.OpTimeout = DefaultOpTimeout
	}
	if o.SweepInterval <= 0 {
		o.SweepInterval = DefaultSweepInterval
	}
	if o.SweepBatch <= 0 {
		o.SweepBatch = DefaultSweepBatch
	}
	if o.AuditRetention == 0 {
		o.AuditRetention = DefaultAuditRetention
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultMaxConns
	}
	// Migrate holds one connection for its lock while it works on another.
	o.MaxConns = max(o.MaxConns, 2)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Store implements every port of ports.Stores, ports.RateLimiter,
// ports.AuditSink and ports.AuditReader on one connection pool. It is safe
// for concurrent use; several Stores (replicas) may share one database.
type Store struct {
	db         *bun.DB
	opts       Options
	log        *slog.Logger
	migrations *migrate.Migrations
}

// Open prepares a Store for the database at dsn without connecting: a
// database that is down at start-up makes Ping and the operations fail with
// ports.ErrUnavailable until it is back, and the pool reconnects by itself.
// The only error is a DSN that does not parse; it never quotes the DSN,
// which may hold a password.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	_ = ctx // nothing to do before the first operation
	opts = opts.withDefaults()
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: the DSN does not parse (details withheld: it may hold a password)")
	}
	if cfg.ConnectTimeout <= 0 || cfg.ConnectTimeout > opts.OpTimeout {
		cfg.ConnectTimeout = opts.OpTimeout
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	// bun escapes string literals by doubling quotes only, which is safe
	// only while backslashes are literal; never trust the server default.
	cfg.RuntimeParams["standard_conforming_strings"] = "on"
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "gatehouse"
	}

	sqldb := stdlib.OpenDB(*cfg)
	sqldb.SetMaxOpenConns(opts.MaxConns)
	sqldb.SetMaxIdleConns(opts.MaxConns)
	// Recycling connections lets the pool follow a failover or a changed
	// DNS record without a restart.
	sqldb.SetConnMaxLifetime(30 * time.Minute)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)

	migrations, err := newMigrations()
	if err != nil {
		_ = sqldb.Close()
		return nil, err
	}
	db := bun.NewDB(sqldb, pgdialect.New())
	if opts.TracerProvider != nil {
		// Query templates only: bun writes argument values into the SQL
		// text, and those must not reach a trace.
		db = db.WithQueryHook(bunotel.NewQueryHook(bunotel.WithTracerProvider(opts.TracerProvider), bunotel.WithFormattedQueries(false)))
	}
	return &Store{
		db:         db,
		opts:       opts,
		log:        opts.Logger,
		migrations: migrations,
	}, nil
}

// Stores bundles the store as every store port it implements.
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

// Ping implements ports.Pinger: ports.ErrUnavailable when the database cannot
// be reached within the operation timeout.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := s.op(ctx)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return classify(ctx, "ping", err)
	}
	return nil
}

// Close closes the connection pool. Operations after Close fail.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("postgres: close: %w", err)
	}
	return nil
}

// op bounds one operation by the operation timeout.
func (s *Store) op(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.opts.OpTimeout)
}
