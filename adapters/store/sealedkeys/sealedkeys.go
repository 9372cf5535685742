// Package sealedkeys encrypts signing private keys at rest: it wraps any
// ports.KeyStore and seals each key's private JWK with AES-256-GCM under a
// key-encryption key from configuration, so a copy of Redis or Postgres
// alone cannot mint tokens. The key id is bound as associated data, so a
// sealed key cannot be moved to another record.
package sealedkeys

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"gatehouse/domain"
	"gatehouse/ports"
)

var _ ports.KeyStore = (*Store)(nil)

// magic starts every sealed private key; a record without it was stored in
// clear and is refused rather than used.
var magic = []byte("gatehouse-sealed-v1:")

// ErrNotSealed: a stored private key is not encrypted.
var ErrNotSealed = errors.New("sealedkeys: stored private key is not encrypted")

// ErrWrongKey: a sealed private key does not open with this key-encryption
// key (another deployment's key, or a tampered record).
var ErrWrongKey = errors.New("sealedkeys: private key does not decrypt with store.key_encryption_key")

// Store seals private keys on the way into inner and opens them on the way out.
type Store struct {
	inner ports.KeyStore
	aead  cipher.AEAD
}

// New wraps inner with the 32-byte key-encryption key kek.
func New(inner ports.KeyStore, kek []byte) (*Store, error) {
	if len(kek) != 32 {
		return nil, fmt.Errorf("sealedkeys: key-encryption key must be 32 bytes, not %d", len(kek))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("sealedkeys: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("sealedkeys: %w", err)
	}
	return &Store{inner: inner, aead: aead}, nil
}

// ListKeys implements ports.KeyStore. One key that does not open fails the
// whole list: signing with a subset could silently drop the current key.
func (s *Store) ListKeys(ctx context.Context) ([]domain.SigningKey, error) {
	keys, err := s.inner.ListKeys(ctx)
	if err != nil {
		return nil, err
	}
	for i := range keys {
		if keys[i].PrivateJWK, err = s.open(keys[i]); err != nil {
			return nil, fmt.Errorf("key %s: %w", keys[i].ID, err)
		}
	}
	return keys, nil
}

// AddKey implements ports.KeyStore.
func (s *Store) AddKey(ctx context.Context, k domain.SigningKey) error {
	k.PrivateJWK = s.seal(k)
	return s.inner.AddKey(ctx, k)
}

// UpdateKey implements ports.KeyStore.
func (s *Store) UpdateKey(ctx context.Context, k domain.SigningKey) error {
	k.PrivateJWK = s.seal(k)
	return s.inner.UpdateKey(ctx, k)
}

// DeleteKey implements ports.KeyStore.
func (s *Store) DeleteKey(ctx context.Context, id string) error {
	return s.inner.DeleteKey(ctx, id)
}

func aad(id string) []byte { return []byte("gatehouse signing key\x00" + id) }

func (s *Store) seal(k domain.SigningKey) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	out := append(bytes.Clone(magic), nonce...)
	return s.aead.Seal(out, nonce, k.PrivateJWK, aad(k.ID))
}

func (s *Store) open(k domain.SigningKey) ([]byte, error) {
	rest, ok := bytes.CutPrefix(k.PrivateJWK, magic)
	if !ok {
		return nil, ErrNotSealed
	}
	if len(rest) < s.aead.NonceSize() {
		return nil, ErrWrongKey
	}
	pt, err := s.aead.Open(nil, rest[:s.aead.NonceSize()], rest[s.aead.NonceSize():], aad(k.ID))
	if err != nil {
		return nil, ErrWrongKey
	}
	return pt, nil
}
