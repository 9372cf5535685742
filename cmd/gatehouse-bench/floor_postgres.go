package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// postgresFloor makes the Postgres round trips of the token endpoint with
// pgx directly, in the simple protocol (one round trip per statement, as
// Gatehouse's bun adapter runs) and with Gatehouse's pool size, on tables
// of its own in the run's schema.
type postgresFloor struct {
	pool *pgxpool.Pool
}

// gatehousePoolSize is adapters/store/postgres.DefaultMaxConns.
const gatehousePoolSize = 10

const floorSchemaSQL = `
CREATE TABLE IF NOT EXISTS floor_clients (id text PRIMARY KEY, data text NOT NULL);
CREATE TABLE IF NOT EXISTS floor_grants (id text PRIMARY KEY, data text NOT NULL,
	expires_at timestamptz NOT NULL, revoked_at timestamptz);
CREATE TABLE IF NOT EXISTS floor_refresh (hash text PRIMARY KEY, grant_id text NOT NULL,
	client_id text NOT NULL, data text NOT NULL, expires_at timestamptz NOT NULL,
	rotated_at timestamptz, successor text)`

// rotateFloorSQL rotates an unrotated token and stores its successor in
// one statement, as Gatehouse's rotateSQL does. $1 old hash, $2 now, $3
// next hash.
const rotateFloorSQL = `
WITH old AS (
	UPDATE floor_refresh SET rotated_at = $2, successor = $3
	WHERE hash = $1 AND rotated_at IS NULL AND expires_at > $2
	RETURNING grant_id, client_id, data, expires_at
)
INSERT INTO floor_refresh (hash, grant_id, client_id, data, expires_at)
SELECT $3, grant_id, client_id, data, expires_at FROM old
RETURNING hash`

func newPostgresFloor(ctx context.Context, dsn string) (*postgresFloor, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres floor: the DSN does not parse")
	}
	cfg.MaxConns = gatehousePoolSize
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres floor: %w", err)
	}
	f := &postgresFloor{pool: pool}
	if _, err := pool.Exec(ctx, floorSchemaSQL); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres floor: create tables: %w", err)
	}
	_, err = pool.Exec(ctx, `INSERT INTO floor_clients (id, data) VALUES ($1, $2), ('demo-service', $2)
		ON CONFLICT (id) DO NOTHING`, floorClientID, floorClient)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres floor: seed clients: %w", err)
	}
	return f, nil
}

func (f *postgresFloor) Client(ctx context.Context, id string) error {
	var data string
	if err := f.pool.QueryRow(ctx, `SELECT data FROM floor_clients WHERE id = $1`, id).Scan(&data); err != nil {
		return fmt.Errorf("postgres floor: get client: %w", err)
	}
	return nil
}

func (f *postgresFloor) Seed(ctx context.Context) (string, error) {
	gid, raw := newSecret()[:16], newSecret()
	_, err := f.pool.Exec(ctx, `
WITH g AS (INSERT INTO floor_grants (id, data, expires_at) VALUES ($1, $2, $4))
INSERT INTO floor_refresh (hash, grant_id, client_id, data, expires_at) VALUES ($5, $1, $6, $3, $4)`,
		gid, fmt.Sprintf(floorGrant, gid), fmt.Sprintf(floorRefresh, gid), floorExpiry, hashSecret(raw), floorClientID)
	if err != nil {
		return "", fmt.Errorf("postgres floor: seed: %w", err)
	}
	return raw, nil
}

func (f *postgresFloor) Rotate(ctx context.Context, raw string) (string, error) {
	if err := f.Client(ctx, floorClientID); err != nil {
		return "", err
	}
	now, old := time.Now(), hashSecret(raw)
	var gid, data string
	err := f.pool.QueryRow(ctx, `SELECT grant_id, data FROM floor_refresh WHERE hash = $1 AND expires_at > $2`,
		old, now).Scan(&gid, &data)
	if err != nil {
		return "", fmt.Errorf("postgres floor: get refresh token: %w", err)
	}
	err = f.pool.QueryRow(ctx, `SELECT data FROM floor_grants WHERE id = $1 AND expires_at > $2`, gid, now).Scan(&data)
	if err != nil {
		return "", fmt.Errorf("postgres floor: get grant: %w", err)
	}
	next := newSecret()
	var stored string
	err = f.pool.QueryRow(ctx, rotateFloorSQL, old, now, hashSecret(next)).Scan(&stored)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", errReused
	}
	if err != nil {
		return "", fmt.Errorf("postgres floor: rotate: %w", err)
	}
	return next, nil
}

// Close closes the pool; the harness drops the schema with the tables.
func (f *postgresFloor) Close() error {
	f.pool.Close()
	return nil
}
