package memory_test

import (
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
