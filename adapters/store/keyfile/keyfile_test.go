package keyfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

func key(id string, at time.Time) domain.SigningKey {
	return domain.SigningKey{ID: id, Algorithm: "ES256", PrivateJWK: []byte(`{"kty":"EC","d":"secret-` + id + `"}`), CreatedAt: at}
}

func TestKeyFileCRUDAndPermissions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "keys.json")
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := s.ListKeys(ctx); err != nil || len(keys) != 0 {
		t.Fatalf("empty store: got (%v, %v), want no keys", keys, err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := s.AddKey(ctx, key("a", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKey(ctx, key("b", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if err := s.AddKey(ctx, key("a", t0)); !errors.Is(err, ports.ErrAlreadyExists) {
		t.Fatalf("duplicate: got %v, want ErrAlreadyExists", err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: got %v (%v), want 0600", fi.Mode().Perm(), err)
	}
	// A second process opening the same file sees the same keys, newest first.
	other, _ := Open(path)
	keys, err := other.ListKeys(ctx)
	if err != nil || len(keys) != 2 || keys[0].ID != "b" || string(keys[1].PrivateJWK) != `{"kty":"EC","d":"secret-a"}` {
		t.Fatalf("ListKeys from another handle: got %+v, %v", keys, err)
	}
	retired := keys[1]
	retired.RetiredAt, retired.ExpiresAt = t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	if err := s.UpdateKey(ctx, retired); err != nil {
		t.Fatal(err)
	}
	keys, _ = s.ListKeys(ctx)
	if !keys[1].ExpiresAt.Equal(t0.Add(3 * time.Hour)) {
		t.Fatalf("UpdateKey not stored: %+v", keys[1])
	}
	if err := s.UpdateKey(ctx, key("zzz", t0)); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("update missing: got %v, want ErrNotFound", err)
	}
	if err := s.DeleteKey(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteKey(ctx, "a"); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("delete missing: got %v, want ErrNotFound", err)
	}
}

func TestKeyFileConcurrentAddsLoseNothing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "keys.json")
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, _ := Open(path) // separate handles, as separate processes would have
			if err := s.AddKey(ctx, key(string(rune('a'+i)), time.Unix(int64(i), 0))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	s, _ := Open(path)
	keys, err := s.ListKeys(ctx)
	if err != nil || len(keys) != 20 {
		t.Fatalf("after 20 concurrent adds: got %d keys (%v), want 20", len(keys), err)
	}
}

func TestKeyFileCorruptIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _ := Open(path)
	if _, err := s.ListKeys(context.Background()); err == nil {
		t.Fatal("corrupt key file: got nil error")
	}
}
