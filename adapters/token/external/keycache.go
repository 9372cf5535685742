package external

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"gatehouse/ports"
)

// fetchTimeout bounds one refresh, discovery included, independently of
// the request that happened to trigger it.
const fetchTimeout = 30 * time.Second

// fetchFunc loads the provider's keys; src names where from, for logs.
type fetchFunc func(ctx context.Context) (keys map[string][]verKey, src string, err error)

// keyCache holds the provider's key set. Every fetch, whatever caused it,
// counts against minInterval, and at most one is in flight, so neither
// forged key ids nor a provider outage multiplies the requests we send.
type keyCache struct {
	fetch       fetchFunc // nil: static set, never refreshed
	clock       func() time.Time
	ttl         time.Duration
	stale       time.Duration
	minInterval time.Duration
	log         *slog.Logger

	set atomic.Pointer[keySet]
	sf  singleflight.Group

	mu          sync.Mutex
	lastAttempt time.Time
	lastErr     error
}

// current returns a usable key set: a fresh one, or after a failed refresh
// the last good one until its expiry plus the stale window. Otherwise the
// error wraps ports.ErrUnavailable.
func (c *keyCache) current(ctx context.Context, now time.Time) (*keySet, error) {
	if s := c.set.Load(); s != nil && s.fresh(now) {
		return s, nil
	}
	err := c.refresh(ctx, now, false)
	s := c.set.Load()
	switch {
	case s == nil:
	case s.fresh(now):
		return s, nil
	case now.Before(s.expiresAt.Add(c.stale)):
		return s, nil
	}
	if err == nil {
		err = fmt.Errorf("external: failed to fetch JWKS: key set expired: %w", ports.ErrUnavailable)
	}
	return nil, err
}

// lookup returns the keys named kid, refreshing once (throttled) when the
// kid is unknown, as a provider's rotation looks to us. It returns nil
// keys if the kid stays unknown.
func (c *keyCache) lookup(ctx context.Context, kid string, now time.Time) ([]verKey, bool, error) {
	s, err := c.current(ctx, now)
	if err != nil {
		return nil, false, err
	}
	if ks := s.byKid[kid]; len(ks) > 0 || c.fetch == nil {
		return ks, false, nil
	}
	// A failed refresh leaves the held set in place; the kid is then
	// unknown to a set we still trust, so the answer stays invalid_token.
	_ = c.refresh(ctx, now, false)
	if s = c.set.Load(); s != nil {
		return s.byKid[kid], true, nil
	}
	return nil, true, nil
}

// refresh fetches the key set unless one was attempted within minInterval
// (force skips that check, for the background loop). It returns the error
// of the fetch it made, or of the last attempt when throttled.
func (c *keyCache) refresh(ctx context.Context, now time.Time, force bool) error {
	if c.fetch == nil {
		return nil
	}
	ch := c.sf.DoChan("jwks", func() (any, error) {
		c.mu.Lock()
		if !force && !c.lastAttempt.IsZero() && now.Sub(c.lastAttempt) < c.minInterval && now.Sub(c.lastAttempt) >= 0 {
			err := c.lastErr
			c.mu.Unlock()
			return nil, err
		}
		c.lastAttempt = now
		c.mu.Unlock()

		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
		defer cancel()
		keys, src, err := c.fetch(fctx)
		if err != nil {
			err = fmt.Errorf("external: failed to fetch JWKS from %s: %w: %w", src, err, ports.ErrUnavailable)
			c.log.Warn("external: failed to fetch JWKS", slog.String("url", src), slog.Any("error", err))
		} else {
			t := c.clock()
			c.set.Store(&keySet{byKid: keys, fetchedAt: t, expiresAt: t.Add(c.ttl)})
		}
		c.mu.Lock()
		c.lastErr = err
		c.mu.Unlock()
		return nil, err
	})
	select {
	case r := <-ch:
		return r.Err
	case <-ctx.Done():
		return fmt.Errorf("external: failed to fetch JWKS: %w: %w", ctx.Err(), ports.ErrUnavailable)
	}
}

// run refreshes the set in the background until ctx is done: at about 80%
// of the TTL after a success, with jitter so that replicas spread out, and
// with doubling back-off after a failure.
func (c *keyCache) run(ctx context.Context) {
	if c.fetch == nil {
		return
	}
	const maxBackoff = 5 * time.Minute
	backoff := c.minInterval
	for {
		var wait time.Duration
		if err := c.refresh(ctx, c.clock(), true); err == nil {
			backoff = c.minInterval
			wait = c.ttl*8/10 - rand.N(c.ttl/10+1)
		} else {
			if ctx.Err() != nil {
				return
			}
			wait = backoff
			backoff = min(backoff*2, max(maxBackoff, c.minInterval))
		}
		wait = max(wait, time.Second)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// errUnknownKey is the cause kept for an unknown kid.
var errUnknownKey = errors.New("no key with this kid in the provider's key set")
