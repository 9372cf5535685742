package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

// CreateSession implements ports.SessionStore. An expired session behaves
// as absent, so its hash may be taken again. Counting scans every session:
// fine for the sizes memory is meant for.
func (s *Store) CreateSession(_ context.Context, ss domain.Session, maxPerSubject int, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	if cur, ok := s.sessions[ss.IDHash]; ok && !expired(cur.ExpiresAt, now) {
		return fmt.Errorf("memory: create session: %w", ports.ErrAlreadyExists)
	}
	if maxPerSubject > 0 {
		n := 0
		for _, cur := range s.sessions {
			if cur.Subject == ss.Subject && cur.Kind == ss.Kind && !expired(cur.ExpiresAt, now) {
				n++
			}
		}
		if n >= maxPerSubject {
			return fmt.Errorf("memory: create session: %q has %d live %s sessions: %w", ss.Subject, n, ss.Kind, ports.ErrConflict)
		}
	}
	s.sessions[ss.IDHash] = ss
	s.wrote()
	return nil
}

// GetSession implements ports.SessionStore.
func (s *Store) GetSession(_ context.Context, idHash string, now time.Time) (domain.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	ss, ok := s.sessions[idHash]
	if !ok || expired(ss.ExpiresAt, now) {
		return domain.Session{}, fmt.Errorf("memory: get session: %w", ports.ErrNotFound)
	}
	return ss, nil
}

// TouchSession implements ports.SessionStore.
func (s *Store) TouchSession(_ context.Context, ss domain.Session, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	cur, ok := s.sessions[ss.IDHash]
	if !ok || expired(cur.ExpiresAt, now) {
		return fmt.Errorf("memory: touch session: %w", ports.ErrNotFound)
	}
	cur.LastUsed, cur.ExpiresAt = ss.LastUsed, ss.ExpiresAt
	s.sessions[ss.IDHash] = cur
	return nil
}

// DeleteSession implements ports.SessionStore.
func (s *Store) DeleteSession(_ context.Context, idHash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[idHash]; !ok {
		return fmt.Errorf("memory: delete session: %w", ports.ErrNotFound)
	}
	delete(s.sessions, idHash)
	return nil
}

// ListSessions implements ports.SessionStore.
func (s *Store) ListSessions(_ context.Context, subject, kind string, now time.Time) ([]domain.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(now)
	var out []domain.Session
	for _, ss := range s.sessions {
		if ss.Subject == subject && ss.Kind == kind && !expired(ss.ExpiresAt, now) {
			out = append(out, ss)
		}
	}
	slices.SortFunc(out, func(a, b domain.Session) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.IDHash, b.IDHash))
	})
	return out, nil
}
