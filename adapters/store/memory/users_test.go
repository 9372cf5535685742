package memory_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/store/memory"
	"gatehouse/domain"
	"gatehouse/ports"
)

func TestUsersGetUser(t *testing.T) {
	alice := domain.User{Username: "alice", PasswordHash: "$argon2id$a", Scopes: domain.NewScopes("read", "write")}
	bob := domain.User{Username: "bob", PasswordHash: "$argon2id$b", Scopes: domain.NewScopes("read")}
	users := memory.NewUsers(alice, bob)

	tests := []struct {
		name     string
		username string
		want     domain.User
		wantErr  error
	}{
		{name: "first user", username: "alice", want: alice},
		{name: "second user", username: "bob", want: bob},
		{name: "unknown user", username: "mallory", wantErr: ports.ErrNotFound},
		{name: "empty username", username: "", wantErr: ports.ErrNotFound},
		{name: "case matters", username: "Alice", wantErr: ports.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := users.GetUser(t.Context(), tt.username)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("GetUser(%q) error = %v, want %v", tt.username, err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("GetUser(%q) mismatch (-want +got):\n%s", tt.username, d)
			}
		})
	}
}

func TestUsersLaterDuplicateWins(t *testing.T) {
	first := domain.User{Username: "alice", PasswordHash: "old", Scopes: domain.NewScopes("read")}
	second := domain.User{Username: "alice", PasswordHash: "new", Scopes: domain.NewScopes("admin")}
	got, err := memory.NewUsers(first, second).GetUser(t.Context(), "alice")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if d := cmp.Diff(second, got); d != "" {
		t.Errorf("GetUser mismatch (-want +got):\n%s", d)
	}
}

func TestUsersNoAliasing(t *testing.T) {
	in := domain.User{Username: "alice", Scopes: domain.NewScopes("read", "write")}
	users := memory.NewUsers(in)
	in.Scopes[0] = "admin"

	out, err := users.GetUser(t.Context(), "alice")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	out.Scopes[1] = "admin"

	again, err := users.GetUser(t.Context(), "alice")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if want := domain.NewScopes("read", "write"); !cmp.Equal(want, again.Scopes) {
		t.Errorf("stored scopes = %q, want %q", again.Scopes, want)
	}
}

// A fixed user answers before the directory; other names are the
// directory's, and its errors are not turned into "no such user".
func TestUsersOverDirectory(t *testing.T) {
	dir := memory.New()
	stored := domain.User{Username: "carol", PasswordHash: "$argon2id$c", Scopes: domain.NewScopes("read")}
	shadowed := domain.User{Username: "alice", PasswordHash: "$argon2id$stored", Scopes: domain.NewScopes("admin")}
	for _, u := range []domain.User{stored, shadowed} {
		if err := dir.CreateUser(t.Context(), u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Username, err)
		}
	}
	fixed := domain.User{Username: "alice", PasswordHash: "$argon2id$a", Scopes: domain.NewScopes("read", "write")}
	users := memory.NewUsersOver(dir, fixed)

	tests := []struct {
		name     string
		username string
		want     domain.User
		wantErr  error
	}{
		{name: "fixed wins over stored", username: "alice", want: fixed},
		{name: "stored only", username: "carol", want: stored},
		{name: "nowhere", username: "mallory", wantErr: ports.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := users.GetUser(t.Context(), tt.username)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("GetUser(%q) error = %v, want %v", tt.username, err, tt.wantErr)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("GetUser(%q) mismatch (-want +got):\n%s", tt.username, d)
			}
		})
	}

	// Users the directory gains later are seen at once.
	late := domain.User{Username: "dave", Scopes: domain.NewScopes("read")}
	if err := dir.CreateUser(t.Context(), late); err != nil {
		t.Fatalf("CreateUser(dave): %v", err)
	}
	if _, err := users.GetUser(t.Context(), "dave"); err != nil {
		t.Errorf("GetUser(dave) after it was stored: %v", err)
	}
}

type failingUsers struct{ err error }

func (f failingUsers) GetUser(context.Context, string) (domain.User, error) {
	return domain.User{}, f.err
}

func TestUsersOverDirectoryKeepsItsErrors(t *testing.T) {
	users := memory.NewUsersOver(failingUsers{err: ports.ErrUnavailable}, domain.User{Username: "alice"})
	if _, err := users.GetUser(t.Context(), "alice"); err != nil {
		t.Errorf("fixed user while the directory is down: %v", err)
	}
	_, err := users.GetUser(t.Context(), "carol")
	if !errors.Is(err, ports.ErrUnavailable) || errors.Is(err, ports.ErrNotFound) {
		t.Errorf("GetUser(carol) error = %v, want ErrUnavailable and not ErrNotFound", err)
	}
}
