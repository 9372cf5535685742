package builtin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// minReloadInterval bounds how often a token naming an unknown kid may send
// the verifier back to the store, so forged kids cannot flood it.
const minReloadInterval = time.Second

// KeyManager owns the issuer's signing keys. Keys live in the store, shared
// by every replica; each manager keeps a parsed snapshot it replaces on
// reload.
type KeyManager struct {
	store ports.KeyStore
	cfg   Config
	ring  atomic.Pointer[keyring]

	mu         sync.Mutex // serialises store reads and writes of this manager
	lastReload time.Time  // guarded by mu
}

// NewKeyManager returns a manager with no keys loaded; call EnsureKey before
// issuing.
func NewKeyManager(store ports.KeyStore, cfg Config) *KeyManager {
	m := &KeyManager{store: store, cfg: cfg.withDefaults()}
	m.ring.Store(&keyring{byID: map[string]*loadedKey{}})
	return m
}

// EnsureKey loads the keys, deletes expired ones, and generates a signing
// key of the configured algorithm if none is usable. A replica that lost a
// race to add the same key reloads instead of failing. After a change of
// algorithm, keys of the old one keep verifying until Rotate retires them.
func (m *KeyManager) EnsureKey(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.reloadLocked(ctx); err != nil {
		return err
	}
	now := m.cfg.Clock()
	if err := m.pruneLocked(ctx, now); err != nil {
		return err
	}
	if m.ring.Load().signer(now, m.cfg.Algorithm) != nil {
		return nil
	}
	rec, err := generateKey(m.cfg.Algorithm, now)
	if err != nil {
		return err
	}
	switch err := m.store.AddKey(ctx, rec); {
	case errors.Is(err, ports.ErrAlreadyExists):
	case err != nil:
		return fmt.Errorf("builtin: add signing key: %w", err)
	default:
		m.cfg.Logger.InfoContext(ctx, "signing key created", "key", rec)
	}
	if err := m.reloadLocked(ctx); err != nil {
		return err
	}
	if m.ring.Load().signer(now, m.cfg.Algorithm) == nil {
		return fmt.Errorf("builtin: no usable %s signing key after adding %s", m.cfg.Algorithm, rec.ID)
	}
	return nil
}

// Rotate adds a key that signs from now on. Every previously unretired key
// is retired now and expires at now+keepFor, which should be the longest
// access-token lifetime plus leeway, so the tokens it signed still verify.
// Expired keys are deleted. The returned record carries no private material.
// keepFor 0 withdraws the old keys at once (a compromised key).
func (m *KeyManager) Rotate(ctx context.Context, keepFor time.Duration) (domain.SigningKey, error) {
	if keepFor < 0 {
		return domain.SigningKey{}, fmt.Errorf("builtin: rotate: negative keepFor %s", keepFor)
	}
	// Generating outside the lock keeps a slow RSA key from stalling
	// verifiers that need a reload meanwhile.
	rec, err := generateKey(m.cfg.Algorithm, m.cfg.Clock())
	if err != nil {
		return domain.SigningKey{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.reloadLocked(ctx); err != nil {
		return domain.SigningKey{}, err
	}
	now := m.cfg.Clock()
	// Add before retiring: a failure in between leaves two signing keys,
	// never none.
	if err := m.store.AddKey(ctx, rec); err != nil {
		return domain.SigningKey{}, fmt.Errorf("builtin: add signing key: %w", err)
	}
	m.cfg.Logger.InfoContext(ctx, "signing key created", "key", rec)
	until := now.Add(keepFor)
	for _, old := range m.ring.Load().records {
		if old.ID == rec.ID || !old.RetiredAt.IsZero() {
			continue
		}
		old.RetiredAt = now
		if old.ExpiresAt.IsZero() || until.Before(old.ExpiresAt) {
			old.ExpiresAt = until
		}
		if err := m.store.UpdateKey(ctx, old); err != nil && !errors.Is(err, ports.ErrNotFound) {
			return domain.SigningKey{}, fmt.Errorf("builtin: retire key %s: %w", old.ID, err)
		}
		m.cfg.Logger.InfoContext(ctx, "signing key retired", "key", old, "expires_at", old.ExpiresAt)
	}
	if err := m.reloadLocked(ctx); err != nil {
		return domain.SigningKey{}, err
	}
	if err := m.pruneLocked(ctx, now); err != nil {
		return domain.SigningKey{}, err
	}
	rec.PrivateJWK = nil
	return rec, nil
}

// Reload re-reads the store, where other replicas may have rotated.
func (m *KeyManager) Reload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.reloadLocked(ctx)
}

// reloadIfStale reloads unless the last reload is under minReloadInterval
// old, and reports whether it did. Callers queued behind a reload in flight
// find it fresh and return at once.
func (m *KeyManager) reloadIfStale(ctx context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cfg.Clock().Sub(m.lastReload) < minReloadInterval {
		return false, nil
	}
	return true, m.reloadLocked(ctx)
}

func (m *KeyManager) reloadLocked(ctx context.Context) error {
	// A failed attempt counts too: an unreachable store must not be hit by
	// every request naming an unknown kid.
	m.lastReload = m.cfg.Clock()
	recs, err := m.store.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("builtin: list signing keys: %w", unavailable(err))
	}
	ring, bad := buildKeyring(recs, m.ring.Load())
	for kid, err := range bad {
		m.cfg.Logger.WarnContext(ctx, "unusable signing key skipped", "kid", kid, "error", err)
	}
	m.ring.Store(ring)
	return nil
}

// pruneLocked deletes keys past their ExpiresAt and reloads if it did.
func (m *KeyManager) pruneLocked(ctx context.Context, now time.Time) error {
	deleted := false
	for _, rec := range m.ring.Load().records {
		if rec.ExpiresAt.IsZero() || now.Before(rec.ExpiresAt) {
			continue
		}
		if err := m.store.DeleteKey(ctx, rec.ID); err != nil && !errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("builtin: delete expired key %s: %w", rec.ID, err)
		}
		m.cfg.Logger.InfoContext(ctx, "signing key deleted", "key", rec)
		deleted = true
	}
	if !deleted {
		return nil
	}
	return m.reloadLocked(ctx)
}

// PublicJWKS returns {"keys":[…]}: the public halves of every key whose
// tokens may still be presented, newest first.
func (m *KeyManager) PublicJWKS(ctx context.Context) ([]byte, error) {
	now := m.cfg.Clock()
	set := struct {
		Keys []json.RawMessage `json:"keys"`
	}{Keys: []json.RawMessage{}}
	for _, k := range m.ring.Load().keys {
		if k.publishedAt(now) {
			set.Keys = append(set.Keys, k.publicJWK)
		}
	}
	out, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("builtin: marshal jwks: %w", err)
	}
	return out, nil
}

func (m *KeyManager) signingKey(now time.Time) *loadedKey {
	return m.ring.Load().signer(now, m.cfg.Algorithm)
}

func (m *KeyManager) verificationKey(kid string, now time.Time) *loadedKey {
	return m.ring.Load().verifier(kid, now)
}

// unavailable classifies a key-store failure: callers must answer 503, never
// treat it as a bad token.
func unavailable(err error) error {
	if errors.Is(err, ports.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: %w", ports.ErrUnavailable, err)
}
