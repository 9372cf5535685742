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
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"gatehouse/ports"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()

	pg := func(code string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "m"}) }
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error // nil: matches no sentinel
	}{
		{"no rows", live, sql.ErrNoRows, ports.ErrNotFound},
		{"unique violation", live, pg("23505"), ports.ErrAlreadyExists},
		{"serialization failure", live, pg("40001"), ports.ErrConflict},
		{"deadlock", live, pg("40P01"), ports.ErrConflict},
		{"connection failure", live, pg("08006"), ports.ErrUnavailable},
		{"admin shutdown", live, pg("57P01"), ports.ErrUnavailable},
		{"crash shutdown", live, pg("57P02"), ports.ErrUnavailable},
		{"cannot connect now", live, pg("57P03"), ports.ErrUnavailable},
		{"too many connections", live, pg("53300"), ports.ErrUnavailable},
		{"statement canceled by the operation timeout", expired, pg("57014"), ports.ErrUnavailable},
		{"operation timeout", expired, context.DeadlineExceeded, ports.ErrUnavailable},
		{"bad connection", live, driver.ErrBadConn, ports.ErrUnavailable},
		{"closed connection", live, fmt.Errorf("x: %w", pgconn.ErrConnClosed), ports.ErrUnavailable},
		{"connection refused", live, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, ports.ErrUnavailable},
		{"connection cut", live, io.ErrUnexpectedEOF, ports.ErrUnavailable},
		{"undefined table", live, pg("42P01"), nil},
		{"caller canceled", canceled, context.Canceled, nil},
		{"statement canceled for the caller", canceled, pg("57014"), nil},
		{"statement timeout", live, pg("57014"), ports.ErrUnavailable},
		{"other", live, errors.New("boom"), nil},
	}
	sentinels := []error{ports.ErrNotFound, ports.ErrAlreadyExists, ports.ErrConflict, ports.ErrUnavailable}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.ctx, "op", tt.err)
			if !strings.HasPrefix(got.Error(), "postgres: op: ") {
				t.Errorf("classify = %q, want the prefix %q", got, "postgres: op: ")
			}
			for _, s := range sentinels {
				if errors.Is(got, s) != (s == tt.want) {
					t.Errorf("classify(%v) = %v: errors.Is(%v) = %v", tt.err, got, s, !(s == tt.want))
				}
			}
		})
	}
}
