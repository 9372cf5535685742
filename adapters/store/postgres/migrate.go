package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/uptrace/bun/migrate"
)

// The schema ships inside the binary. Files named NNN_name.tx.up.sql run in
// one transaction each, so a failed migration leaves nothing half applied.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// Bookkeeping tables of bun's migrator, named for Gatehouse so that they
// cannot collide with another application's migrations in the same schema.
const (
	migrationsTable = "gatehouse_migrations"
	locksTable      = "gatehouse_migration_locks"
)

func newMigrations() (*migrate.Migrations, error) {
	dir, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(dir); err != nil {
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	return ms, nil
}

func (s *Store) migrator() *migrate.Migrator {
	return migrate.NewMigrator(s.db, s.migrations,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(locksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	)
}

// Migrate applies the pending embedded migrations and returns their names
// ("001_init"); with none pending it changes nothing and returns none.
// Replicas may call it together: one migrates while the others wait, then
// find nothing pending.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	err = s.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		group, err := m.Migrate(ctx)
		done := group.Migrations
		if err != nil && len(done) > 0 {
			// The group's last migration is the one that failed.
			done = done[:len(done)-1]
		}
		for _, mig := range done {
			applied = append(applied, mig.String())
		}
		return err
	})
	if err != nil {
		return applied, classify(ctx, "migrate", err)
	}
	return applied, nil
}

// Rollback undoes the last group of migrations Migrate applied and returns
// their names. It drops data: it exists for development and for withdrawing
// a release whose migration must not stay.
func (s *Store) Rollback(ctx context.Context) (rolledBack []string, err error) {
	err = s.withMigrationLock(ctx, func(m *migrate.Migrator) error {
		group, err := m.Rollback(ctx)
		if err != nil {
			return err
		}
		for i := len(group.Migrations) - 1; i >= 0; i-- {
			rolledBack = append(rolledBack, group.Migrations[i].String())
		}
		return nil
	})
	if err != nil {
		return nil, classify(ctx, "rollback", err)
	}
	return rolledBack, nil
}

// withMigrationLock runs f while this Store is the schema's only migrator.
// A session advisory lock, held on a connection of its own, makes replicas
// take turns even at creating bun's bookkeeping tables, and the server
// releases it when a migrator dies with its connection. Holding it, any row
// in bun's lock table was left by a migrator that died mid-run, so it is
// cleared before bun's own lock is taken.
func (s *Store) withMigrationLock(ctx context.Context, f func(*migrate.Migrator) error) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close() }()
	const key = "hashtextextended(current_schema() || '.' || ?, 0)"
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock("+key+")", migrationsTable); err != nil {
		return err
	}
	defer func() {
		// Closing the connection would release the lock too, but it goes
		// back to the pool; unlock even when ctx has ended.
		uctx, cancel := s.op(context.WithoutCancel(ctx))
		defer cancel()
		_, _ = conn.ExecContext(uctx, "SELECT pg_advisory_unlock("+key+")", migrationsTable)
	}()

	m := s.migrator()
	if err := m.Init(ctx); err != nil {
		return err
	}
	if err := m.Unlock(ctx); err != nil {
		return err
	}
	if err := m.Lock(ctx); err != nil {
		return err
	}
	err = f(m)
	uctx, cancel := s.op(context.WithoutCancel(ctx))
	defer cancel()
	return errors.Join(err, m.Unlock(uctx))
}

// Pending returns the names of the embedded migrations not yet applied, in
// the order Migrate would apply them. It creates nothing.
func (s *Store) Pending(ctx context.Context) ([]string, error) {
	m := s.migrator()
	var initialised bool
	if err := s.db.QueryRowContext(ctx, "SELECT to_regclass(?) IS NOT NULL", migrationsTable).Scan(&initialised); err != nil {
		return nil, classify(ctx, "pending migrations", err)
	}
	var pending []string
	if !initialised {
		for _, mig := range s.migrations.Sorted() {
			pending = append(pending, mig.String())
		}
		return pending, nil
	}
	all, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return nil, classify(ctx, "pending migrations", err)
	}
	for _, mig := range all.Unapplied() {
		pending = append(pending, mig.String())
	}
	return pending, nil
}
