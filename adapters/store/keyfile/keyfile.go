// Package keyfile keeps signing keys in a local JSON file, so that separate
// processes on one machine (serve, stdio, token) share them without a
// database. Writes take an exclusive flock and replace the file atomically.
package keyfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// Store is a ports.KeyStore over one file.
type Store struct{ path string }

var _ ports.KeyStore = (*Store)(nil)

// Open returns a store for path, creating its directory (0700) if needed.
// The file itself appears with the first key (0600).
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("keyfile: %w", err)
	}
	return &Store{path: path}, nil
}

// record is the file form of a key; PrivateJWK is the key's JWK JSON.
type record struct {
	ID         string    `json:"kid"`
	Algorithm  string    `json:"alg"`
	PrivateJWK string    `json:"private_jwk"`
	CreatedAt  time.Time `json:"created_at"`
	RetiredAt  time.Time `json:"retired_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"`
}

func (s *Store) read() ([]domain.SigningKey, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyfile: read %s: %w", s.path, err)
	}
	var recs []record
	if err := json.Unmarshal(b, &recs); err != nil {
		return nil, fmt.Errorf("keyfile: %s is not a key file: %w", s.path, err)
	}
	out := make([]domain.SigningKey, len(recs))
	for i, r := range recs {
		out[i] = domain.SigningKey{ID: r.ID, Algorithm: r.Algorithm, PrivateJWK: []byte(r.PrivateJWK),
			CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt, ExpiresAt: r.ExpiresAt}
	}
	return out, nil
}

func (s *Store) write(keys []domain.SigningKey) error {
	recs := make([]record, len(keys))
	for i, k := range keys {
		recs[i] = record{ID: k.ID, Algorithm: k.Algorithm, PrivateJWK: string(k.PrivateJWK), CreatedAt: k.CreatedAt, RetiredAt: k.RetiredAt, ExpiresAt: k.ExpiresAt}
	}
	b, err := json.MarshalIndent(recs, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".keys-*")
	if err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("keyfile: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("keyfile: write: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyfile: sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyfile: %w", err)
	}
	return os.Rename(tmp.Name(), s.path)
}

// update runs fn on the keys under an exclusive lock and writes the result.
func (s *Store) update(fn func([]domain.SigningKey) ([]domain.SigningKey, error)) error {
	lock, err := os.OpenFile(s.path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("keyfile: lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("keyfile: lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it anyway
	keys, err := s.read()
	if err != nil {
		return err
	}
	keys, err = fn(keys)
	if err != nil {
		return err
	}
	return s.write(keys)
}

// ListKeys returns every key, newest first.
func (s *Store) ListKeys(context.Context) ([]domain.SigningKey, error) {
	keys, err := s.read()
	if err != nil {
		return nil, err
	}
	slices.SortFunc(keys, func(a, b domain.SigningKey) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return keys, nil
}

// AddKey stores a key. ErrAlreadyExists if its id is taken.
func (s *Store) AddKey(_ context.Context, k domain.SigningKey) error {
	return s.update(func(keys []domain.SigningKey) ([]domain.SigningKey, error) {
		if slices.ContainsFunc(keys, func(x domain.SigningKey) bool { return x.ID == k.ID }) {
			return nil, fmt.Errorf("keyfile: key %q: %w", k.ID, ports.ErrAlreadyExists)
		}
		return append(keys, k), nil
	})
}

// UpdateKey replaces a key. ErrNotFound if absent.
func (s *Store) UpdateKey(_ context.Context, k domain.SigningKey) error {
	return s.update(func(keys []domain.SigningKey) ([]domain.SigningKey, error) {
		i := slices.IndexFunc(keys, func(x domain.SigningKey) bool { return x.ID == k.ID })
		if i < 0 {
			return nil, fmt.Errorf("keyfile: key %q: %w", k.ID, ports.ErrNotFound)
		}
		keys[i] = k
		return keys, nil
	})
}

// DeleteKey removes a key. ErrNotFound if absent.
func (s *Store) DeleteKey(_ context.Context, id string) error {
	return s.update(func(keys []domain.SigningKey) ([]domain.SigningKey, error) {
		i := slices.IndexFunc(keys, func(x domain.SigningKey) bool { return x.ID == id })
		if i < 0 {
			return nil, fmt.Errorf("keyfile: key %q: %w", id, ports.ErrNotFound)
		}
		return slices.Delete(keys, i, i+1), nil
	})
}
