// Package memory keeps every store port in process memory behind one mutex.
// It serves development mode and tests: nothing survives a restart and two
// processes never share it. Records are copied on the way in and out, so no
// caller can change stored state through a slice it holds.
package memory

import (
	"context"
	"sync"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

var (
	_ ports.ClientStore      = (*Store)(nil)
	_ ports.GrantStore       = (*Store)(nil)
	_ ports.RevocationList   = (*Store)(nil)
	_ ports.AuthRequestStore = (*Store)(nil)
	_ ports.ConsentStore     = (*Store)(nil)
	_ ports.SessionStore     = (*Store)(nil)
	_ ports.KeyStore         = (*Store)(nil)
	_ ports.UserDirectory    = (*Store)(nil)
	_ ports.Pinger           = (*Store)(nil)
)

// Store implements every store port of ports.Stores. The zero value is not
// usable; call New.
type Store struct {
	mu           sync.Mutex
	clients      map[string]domain.Client
	grants       map[string]domain.Grant
	codes        map[string]domain.AuthCode
	refresh      map[string]domain.RefreshToken
	revoked      map[string]time.Time // key → until
	authRequests map[string]domain.AuthRequest
	consents     map[consentKey]domain.Consent
	sessions     map[string]domain.Session
	keys         map[string]domain.SigningKey
	users        map[string]domain.User
	purge        purgeState
}

// New returns an empty store.
func New() *Store {
	return &Store{
		clients:      map[string]domain.Client{},
		grants:       map[string]domain.Grant{},
		codes:        map[string]domain.AuthCode{},
		refresh:      map[string]domain.RefreshToken{},
		revoked:      map[string]time.Time{},
		authRequests: map[string]domain.AuthRequest{},
		consents:     map[consentKey]domain.Consent{},
		sessions:     map[string]domain.Session{},
		keys:         map[string]domain.SigningKey{},
		users:        map[string]domain.User{},
		purge:        purgeState{next: minPurgeInterval},
	}
}

// Stores bundles the store as every port it implements.
func (s *Store) Stores() ports.Stores {
	return ports.Stores{
		Clients:      s,
		Grants:       s,
		Revocations:  s,
		AuthRequests: s,
		Consents:     s,
		Sessions:     s,
		Keys:         s,
		Users:        s,
		Pinger:       s,
	}
}

// Ping always succeeds: memory is always reachable.
func (s *Store) Ping(context.Context) error { return nil }

// expired reports whether a record expiring at exp is gone at now. At exp
// itself it is, as domain.Grant.Active has it.
func expired(exp, now time.Time) bool { return !now.Before(exp) }
