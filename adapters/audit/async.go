package audit

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"sync"
	"time"

	"gatehouse/domain"
)

// Async takes audit writes off the request path: RecordInvocation queues
// the invocation and returns, one worker writes the queue to the trail in
// order, and Close drains it, so shutdown loses nothing. A full queue makes
// callers wait rather than drop entries. Reads wait for the writes queued
// before them, so a reader sees what this process recorded.
type Async struct {
	trail Trail
	log   *slog.Logger
	q     chan asyncItem
	done  chan struct{}

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
}

type asyncItem struct {
	// ctx is the caller's context without its cancellation: the write
	// outlives the request, but stays in its trace and keeps its values.
	ctx     context.Context
	inv     domain.ToolInvocation
	barrier chan struct{} // set for a read barrier instead of a write
}

var _ Trail = (*Async)(nil)

// writeTimeout bounds one store write, so a store that hangs delays the
// queue rather than stalling it forever.
const writeTimeout = 5 * time.Second

// NewAsync starts the worker writing to trail; size bounds the queue.
func NewAsync(trail Trail, size int, log *slog.Logger) *Async {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &Async{trail: trail, log: log, q: make(chan asyncItem, max(size, 1)), done: make(chan struct{})}
	go a.run()
	return a
}

func (a *Async) run() {
	defer close(a.done)
	for it := range a.q {
		if it.barrier != nil {
			close(it.barrier)
			continue
		}
		ctx, cancel := context.WithTimeout(it.ctx, writeTimeout)
		err := a.trail.RecordInvocation(ctx, it.inv)
		cancel()
		if err != nil {
			a.log.Error("audit write failed; the invocation is only in this log",
				"error", err, "tool", it.inv.Tool, "subject", it.inv.Subject, "outcome", it.inv.Outcome, "at", it.inv.At)
		}
	}
}

// RecordInvocation queues inv. After Close it writes synchronously.
func (a *Async) RecordInvocation(ctx context.Context, inv domain.ToolInvocation) error {
	// The caller may reuse its argument map after returning.
	inv.Arguments = maps.Clone(inv.Arguments)
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.closed {
		return a.trail.RecordInvocation(ctx, inv)
	}
	select {
	case a.q <- asyncItem{ctx: context.WithoutCancel(ctx), inv: inv}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// RecentInvocations reads the trail once every write queued before it is done.
func (a *Async) RecentInvocations(ctx context.Context, limit int) ([]domain.ToolInvocation, error) {
	if err := a.Flush(ctx); err != nil {
		return nil, err
	}
	return a.trail.RecentInvocations(ctx, limit)
}

// Flush waits until every write queued before it has been attempted.
func (a *Async) Flush(ctx context.Context) error {
	barrier := make(chan struct{})
	a.mu.RLock()
	if a.closed {
		a.mu.RUnlock()
		return nil
	}
	select {
	case a.q <- asyncItem{barrier: barrier}:
	case <-ctx.Done():
		a.mu.RUnlock()
		return ctx.Err()
	}
	a.mu.RUnlock()
	select {
	case <-barrier:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking writes into the queue and waits until the worker has
// written every queued entry, or ctx ends.
func (a *Async) Close(ctx context.Context) error {
	a.mu.Lock()
	if !a.closed {
		a.closed = true
		close(a.q)
	}
	a.mu.Unlock()
	select {
	case <-a.done:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("audit: queue not drained at shutdown"), ctx.Err())
	}
}
