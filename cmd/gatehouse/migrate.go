package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	pgstore "gatehouse/adapters/store/postgres"
	"gatehouse/config"
)

// runMigrate applies the embedded Postgres migrations, or with --status
// lists the pending ones and fails if there are any (for deploy scripts).
func runMigrate(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := config.Flags()
	status := fs.Bool("status", false, "list pending migrations and exit 1 if any, without applying them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.Store.Driver != "postgres" {
		return fmt.Errorf("store.driver: migrate needs postgres, not %q", cfg.Store.Driver)
	}
	s, err := pgstore.Open(ctx, cfg.Store.Postgres.DSN.Reveal(), pgstore.Options{Logger: newLogger(cfg, stderr)})
	if err != nil {
		return fmt.Errorf("store.postgres.dsn: %w", err)
	}
	defer s.Close()
	if *status {
		pending, err := s.Pending(ctx)
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if len(pending) == 0 {
			fmt.Fprintln(stdout, "schema is up to date")
			return nil
		}
		fmt.Fprintf(stdout, "pending: %s\n", strings.Join(pending, " "))
		return errReported
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stdout, "schema is up to date; nothing to apply")
		return nil
	}
	fmt.Fprintf(stdout, "applied: %s\n", strings.Join(applied, " "))
	return nil
}
