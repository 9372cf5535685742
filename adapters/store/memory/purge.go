package memory

import "time"

const (
	// minPurgeInterval is the fewest writes between two purges, so that a
	// small store is not scanned on every write.
	minPurgeInterval = 1024
	// purgeGrace keeps records a while after they expire. Callers pass their
	// own now, and concurrent requests may pass instants slightly behind the
	// latest one seen; for them a record just expired at the latest instant
	// may still be live, so it must not vanish under them.
	purgeGrace = time.Minute
)

// purgeState drives the opportunistic purge of expired records. A purge
// scans every record, so it runs after as many writes as there were records
// left by the previous one: the cost per write stays constant however large
// the store grows, without a background goroutine.
type purgeState struct {
	latest time.Time // the latest now any caller passed
	writes int       // writes since the last purge
	next   int       // writes that trigger the next purge
}

// observe notes a caller's now. Callers hold s.mu.
func (s *Store) observe(now time.Time) {
	if now.After(s.purge.latest) {
		s.purge.latest = now
	}
}

// wrote counts a write that may grow the store and purges when due. Callers
// hold s.mu.
func (s *Store) wrote() {
	s.purge.writes++
	if s.purge.writes < s.purge.next || s.purge.latest.IsZero() {
		return
	}
	s.purgeExpired(s.purge.latest.Add(-purgeGrace))
	s.purge.writes = 0
	s.purge.next = max(minPurgeInterval, s.expiringRecords())
}

// purgeExpired drops every record expired at cutoff. Clients, consents and
// keys never expire by time and are left alone.
func (s *Store) purgeExpired(cutoff time.Time) {
	for k, v := range s.grants {
		if expired(v.ExpiresAt, cutoff) {
			delete(s.grants, k)
		}
	}
	for k, v := range s.codes {
		if expired(v.ExpiresAt, cutoff) {
			delete(s.codes, k)
		}
	}
	for k, v := range s.refresh {
		if expired(v.ExpiresAt, cutoff) {
			delete(s.refresh, k)
		}
	}
	for k, until := range s.revoked {
		if expired(until, cutoff) {
			delete(s.revoked, k)
		}
	}
	for k, v := range s.authRequests {
		if expired(v.ExpiresAt, cutoff) {
			delete(s.authRequests, k)
		}
	}
	for k, v := range s.sessions {
		if expired(v.ExpiresAt, cutoff) {
			delete(s.sessions, k)
		}
	}
}

// expiringRecords counts the records a purge scans.
func (s *Store) expiringRecords() int {
	return len(s.grants) + len(s.codes) + len(s.refresh) + len(s.revoked) +
		len(s.authRequests) + len(s.sessions)
}
