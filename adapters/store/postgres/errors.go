package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"

	"gatehouse/ports"
)

// SQLSTATE codes the store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeQueryCanceled        = "57014"
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeTooManyConnections   = "53300"
)

// classify turns a driver error into a port sentinel, once, for every
// operation: a missing row is ErrNotFound, a unique violation
// ErrAlreadyExists, a lost serialization ErrConflict, and anything that means
// the database cannot be reached or answered too late ErrUnavailable, so the
// edge answers 503 and never treats it as "no record". ctx is the
// operation's own context, whose deadline is the operation timeout. Other
// errors keep their cause and match no sentinel.
func classify(ctx context.Context, op string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, ports.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	isPG := errors.As(err, &pgErr)
	if isPG {
		switch {
		case pgErr.Code == codeUniqueViolation:
			return fmt.Errorf("postgres: %s: %w", op, ports.ErrAlreadyExists)
		case pgErr.Code == codeSerializationFailure || pgErr.Code == codeDeadlockDetected:
			return fmt.Errorf("postgres: %s: %w: %w", op, ports.ErrConflict, err)
		case unavailableCode(pgErr.Code):
			return fmt.Errorf("postgres: %s: %w: %w", op, ports.ErrUnavailable, err)
		case pgErr.Code != codeQueryCanceled:
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
	}
	if ctxErr := ctx.Err(); ctxErr != nil && !errors.Is(ctxErr, context.DeadlineExceeded) {
		// The caller gave up; the database may well be fine.
		return fmt.Errorf("postgres: %s: %w: %w", op, ctxErr, err)
	}
	if isPG || unreachable(ctx, err) {
		// A cancelled statement here ran into the operation timeout or the
		// server's statement_timeout: it answered too late.
		return fmt.Errorf("postgres: %s: %w: %w", op, ports.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// unavailableCode reports SQLSTATEs that mean the server is not serving:
// connection exceptions (class 08), shutdowns and start-ups (57P01–57P03),
// and a full connection table (53300).
func unavailableCode(code string) bool {
	switch code {
	case codeAdminShutdown, codeCrashShutdown, codeCannotConnectNow, codeTooManyConnections:
		return true
	}
	return strings.HasPrefix(code, "08")
}

// unreachable reports transport failures and timeouts.
func unreachable(ctx context.Context, err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, context.DeadlineExceeded),
		pgconn.Timeout(err),
		errors.As(err, &connectErr),
		errors.As(err, &netErr),
		errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, net.ErrClosed),
		errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}
