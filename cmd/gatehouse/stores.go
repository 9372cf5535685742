package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gatehouse/adapters/audit"
	ratemem "gatehouse/adapters/ratelimit/memory"
	memstore "gatehouse/adapters/store/memory"
	pgstore "gatehouse/adapters/store/postgres"
	redisstore "gatehouse/adapters/store/redis"
	"gatehouse/adapters/store/sealedkeys"
	"gatehouse/config"
	"gatehouse/ports"

	"go.opentelemetry.io/otel/trace"
)

// backend is the configured store with what else lives in it.
type backend struct {
	stores ports.Stores
	// limiter and trail are nil when they stay in process memory.
	limiter ports.RateLimiter
	trail   audit.Trail
	// housekeep runs until its context ends (Postgres' sweeper); nil if
	// the backend expires records itself.
	housekeep func(ctx context.Context)
	close     func() error
}

// openStores opens the store adapter the configuration names. For
// Postgres it applies pending migrations when store.postgres.auto_migrate
// is on, and refuses to start on an outdated schema when it is off.
func openStores(ctx context.Context, cfg config.Config, log *slog.Logger, tp trace.TracerProvider) (*backend, error) {
	var b backend
	switch cfg.Store.Driver {
	case "memory":
		b = backend{stores: memstore.New().Stores(), close: func() error { return nil }}
	case "redis":
		s, err := redisstore.Open(ctx, cfg.Store.Redis.URL.Reveal(), redisstore.Options{Prefix: cfg.Store.Redis.Prefix, Logger: log, TracerProvider: tp})
		if err != nil {
			return nil, fmt.Errorf("store.redis.url: %w", err)
		}
		b = backend{stores: s.Stores(), limiter: s, trail: s, close: s.Close}
	case "postgres":
		s, err := pgstore.Open(ctx, cfg.Store.Postgres.DSN.Reveal(), pgstore.Options{Logger: log, TracerProvider: tp})
		if err != nil {
			return nil, fmt.Errorf("store.postgres.dsn: %w", err)
		}
		if err := prepareSchema(ctx, s, cfg.Store.Postgres.AutoMigrate, log); err != nil {
			_ = s.Close()
			return nil, err
		}
		b = backend{stores: s.Stores(), limiter: s, trail: s, housekeep: s.RunSweeper, close: s.Close}
	default:
		return nil, fmt.Errorf("store.driver: %q is not a store", cfg.Store.Driver)
	}
	if cfg.SigningKeysInStore() {
		kek, err := config.DecodeKeyEncryptionKey(cfg.Store.KeyEncryptionKey.Reveal())
		if err != nil {
			_ = b.close()
			return nil, fmt.Errorf("store.key_encryption_key: %w", err)
		}
		sealed, err := sealedkeys.New(b.stores.Keys, kek)
		if err != nil {
			_ = b.close()
			return nil, fmt.Errorf("store.key_encryption_key: %w", err)
		}
		b.stores.Keys = sealed
	}
	switch d := cfg.RateLimitDriver(); {
	case d == "memory":
		b.limiter = nil
	case d != cfg.Store.Driver:
		// Counters in another backend than the grants, e.g. Postgres for
		// state and Redis for the hot rate-limit path.
		lim, closeLim, err := openLimiter(ctx, cfg, d, log)
		if err != nil {
			_ = b.close()
			return nil, err
		}
		b.limiter = lim
		closeStore := b.close
		b.close = func() error { return errors.Join(closeLim(), closeStore()) }
	}
	return &b, nil
}

// openLimiter opens a rate-limit backend of its own.
func openLimiter(ctx context.Context, cfg config.Config, driver string, log *slog.Logger) (ports.RateLimiter, func() error, error) {
	switch driver {
	case "redis":
		s, err := redisstore.Open(ctx, cfg.Store.Redis.URL.Reveal(), redisstore.Options{Prefix: cfg.Store.Redis.Prefix, Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("ratelimit.driver: store.redis.url: %w", err)
		}
		return s, s.Close, nil
	case "postgres":
		s, err := pgstore.Open(ctx, cfg.Store.Postgres.DSN.Reveal(), pgstore.Options{Logger: log})
		if err != nil {
			return nil, nil, fmt.Errorf("ratelimit.driver: store.postgres.dsn: %w", err)
		}
		if err := prepareSchema(ctx, s, cfg.Store.Postgres.AutoMigrate, log); err != nil {
			_ = s.Close()
			return nil, nil, err
		}
		return s, s.Close, nil
	default:
		return nil, nil, fmt.Errorf("ratelimit.driver: %q is not a rate-limit backend", driver)
	}
}

// prepareSchema brings the Postgres schema up to date, or checks that it is.
func prepareSchema(ctx context.Context, s *pgstore.Store, apply bool, log *slog.Logger) error {
	if apply {
		applied, err := s.Migrate(ctx)
		if err != nil {
			return fmt.Errorf("store.postgres: migrate: %w", err)
		}
		if len(applied) > 0 {
			log.Info("applied database migrations", "migrations", strings.Join(applied, ","))
		}
		return nil
	}
	pending, err := s.Pending(ctx)
	if err != nil {
		return fmt.Errorf("store.postgres: check migrations: %w", err)
	}
	if len(pending) > 0 {
		return fmt.Errorf("store.postgres.auto_migrate: off, and %d migrations are pending (%s): run `gatehouse migrate`",
			len(pending), strings.Join(pending, ", "))
	}
	return nil
}

// limiterOr returns the backend's shared limiter, or a per-process one.
func (b *backend) limiterOr() ports.RateLimiter {
	if b.limiter != nil {
		return b.limiter
	}
	return ratemem.New()
}

// auditTrail returns the backend's lasting trail, written off the request
// path and logged, or the in-process ring; close drains what is queued.
func (b *backend) auditTrail(cfg config.Config, log *slog.Logger) (trail audit.Trail, close func() error) {
	if b.trail == nil {
		return audit.NewRing(cfg.Audit.RingSize, log), func() error { return nil }
	}
	async := audit.NewAsync(b.trail, auditQueue, log)
	return audit.NewLogged(async, log), func() error {
		ctx, cancel := context.WithTimeout(context.Background(), auditDrainTimeout)
		defer cancel()
		return async.Close(ctx)
	}
}

// auditQueue bounds the audit writes waiting for the store; auditDrainTimeout
// bounds how long shutdown waits for them.
const (
	auditQueue        = 4096
	auditDrainTimeout = 10 * time.Second
)
