package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// upstreamProtocol is the revision Gatehouse speaks to upstreams. On
// 2025-11-25 an upstream may ask for sampling, elicitation and roots in
// either style, as requests or as 2026-07-28 input-required results, which
// the SDK turns into requests for older clients; on 2026-07-28 a server
// that sends requests mid-call fails. It also keeps log messages flowing
// once a level is set, and is what nearly every server already speaks.
const upstreamProtocol = "2025-11-25"

// stableAfter is how long a connection must last before a crash counts as
// new rather than as the same failure again: the backoff starts over.
const stableAfter = 30 * time.Second

// upstream is one upstream server: its connection, supervised and
// restarted, and what it exports.
type upstream struct {
	g   *Gateway
	cfg Config
	log *slog.Logger
	sem chan struct{}

	startOnce sync.Once
	first     chan struct{} // closed when the first connection attempt ends
	firstErr  error

	mu        sync.Mutex
	session   *mcpsdk.ClientSession // nil while down
	state     string
	lastErr   error
	retryAt   time.Time
	exports   exports
	calls     map[*call]struct{}
	progress  map[string]*call
	nextToken uint64
	closed    bool
	order     *relayOrder // of the current connection
}

func newUpstream(g *Gateway, c Config) *upstream {
	if c.Timeout <= 0 {
		c.Timeout = 60 * time.Second
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 8
	}
	return &upstream{
		g:        g,
		cfg:      c,
		log:      g.log.With("upstream", c.Name),
		sem:      make(chan struct{}, c.MaxConcurrency),
		first:    make(chan struct{}),
		state:    "not started",
		calls:    map[*call]struct{}{},
		progress: map[string]*call{},
	}
}

// start launches the supervisor once.
func (u *upstream) start(ctx context.Context) {
	u.startOnce.Do(func() {
		u.mu.Lock()
		u.state = "starting"
		u.mu.Unlock()
		u.g.running.Go(func() { u.supervise(ctx) })
	})
}

// startOnDemand starts a lazy upstream for a request and waits for its
// first connection, within the upstream's timeout and the request's life.
func (u *upstream) startOnDemand(ctx context.Context) {
	if u.g.stop == nil {
		return // the gateway was never started
	}
	u.start(u.g.runCtx())
	ctx, cancel := context.WithTimeout(ctx, u.cfg.Timeout)
	defer cancel()
	_ = u.awaitFirst(ctx)
}

// awaitFirst waits for the outcome of the first connection attempt.
func (u *upstream) awaitFirst(ctx context.Context) error {
	select {
	case <-u.first:
		return u.firstErr
	case <-ctx.Done():
		return fmt.Errorf("no connection within the wait: %w", ctx.Err())
	}
}

// supervise connects, serves until the connection ends, and reconnects with
// exponential backoff until ctx ends.
func (u *upstream) supervise(ctx context.Context) {
	backoff := u.g.opts.MinBackoff
	firstDone := false
	for {
		began := time.Now()
		cs, err := u.connect(ctx)
		if !firstDone {
			u.firstErr = err
			close(u.first)
			firstDone = true
		}
		if err == nil {
			u.log.Info("upstream connected")
			err = cs.Wait()
			if err == nil {
				err = errors.New("connection closed")
			}
			if time.Since(began) > stableAfter {
				backoff = u.g.opts.MinBackoff
			}
		}
		if ctx.Err() != nil {
			u.markDown(errors.New("gatehouse is shutting down"), time.Time{})
			return
		}
		u.markDown(err, time.Now().Add(backoff))
		u.log.Warn("upstream unavailable; reconnecting", "error", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, u.g.opts.MaxBackoff)
	}
}

// connect opens a session and brings the exports up to date. A failed
// sync (a name collision) closes the session: half an upstream is not
// served.
func (u *upstream) connect(ctx context.Context) (*mcpsdk.ClientSession, error) {
	cctx, cancel := context.WithTimeout(ctx, u.cfg.Timeout)
	defer cancel()
	t, err := u.cfg.Connect(ctx, u.log)
	if err != nil {
		return nil, err
	}
	// A new connection starts counting afresh: what the last one read and
	// never relayed is gone with it.
	order := &relayOrder{}
	u.mu.Lock()
	u.order = order
	u.mu.Unlock()
	t = &orderedTransport{Transport: t, order: order}
	cs, err := u.client().Connect(cctx, t, &mcpsdk.ClientSessionOptions{ProtocolVersion: upstreamProtocol})
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := u.prepare(cctx, cs); err != nil {
		_ = cs.Close()
		return nil, err
	}
	u.mu.Lock()
	u.session, u.state, u.lastErr = cs, "up", nil
	u.mu.Unlock()
	return cs, nil
}

// prepare asks for log messages and loads the upstream's lists.
func (u *upstream) prepare(ctx context.Context, cs *mcpsdk.ClientSession) error {
	init := cs.InitializeResult()
	if init != nil && init.Capabilities != nil && init.Capabilities.Logging != nil && !modern(cs) {
		// Legacy sessions send no log messages until a level is set; each
		// caller's own level filters what reaches it.
		if err := cs.SetLoggingLevel(ctx, &mcpsdk.SetLoggingLevelParams{Level: "debug"}); err != nil {
			u.log.Debug("upstream refused a logging level", "error", err)
		}
	}
	return u.sync(ctx, cs, allKinds)
}

func (u *upstream) markDown(err error, retryAt time.Time) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.session, u.lastErr, u.retryAt = nil, err, retryAt
	u.state = "down"
}

// shutdown closes the connection: for a stdio upstream, the child exits.
func (u *upstream) shutdown() {
	u.mu.Lock()
	cs := u.session
	u.closed = true
	u.mu.Unlock()
	if cs != nil {
		_ = cs.Close()
	}
}

// current returns the live session, or an error saying why there is none.
func (u *upstream) current() (*mcpsdk.ClientSession, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.session != nil {
		return u.session, nil
	}
	switch {
	case u.state == "not started":
		return nil, fmt.Errorf("upstream %q is not connected yet", u.cfg.Name)
	case u.lastErr != nil && !u.retryAt.IsZero():
		wait := max(time.Until(u.retryAt), 0).Round(time.Millisecond)
		return nil, fmt.Errorf("upstream %q is unavailable (%v); reconnecting in %s", u.cfg.Name, u.lastErr, wait)
	case u.lastErr != nil:
		return nil, fmt.Errorf("upstream %q is unavailable (%v)", u.cfg.Name, u.lastErr)
	default:
		return nil, fmt.Errorf("upstream %q is starting", u.cfg.Name)
	}
}

func (u *upstream) status() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == "down" && u.lastErr != nil {
		return "down: " + u.lastErr.Error()
	}
	if u.exports.refused != "" && u.state == "up" {
		return "up; " + u.exports.refused
	}
	return u.state
}

// lost drops a session a call found broken, so the supervisor reconnects.
func (u *upstream) lost(cs *mcpsdk.ClientSession, err error) {
	u.mu.Lock()
	current := u.session == cs
	u.mu.Unlock()
	if current {
		u.log.Warn("upstream connection failed during a call", "error", err)
		_ = cs.Close()
	}
}

// client builds the SDK client Gatehouse presents to the upstream: it
// declares sampling and elicitation, which it relays to callers, and no
// roots, which it has none of.
func (u *upstream) client() *mcpsdk.Client {
	//lint:ignore SA1019 sampling and logging still reach 2025-11-25 callers
	opts := &mcpsdk.ClientOptions{
		Logger:                      u.log,
		Capabilities:                &mcpsdk.ClientCapabilities{},
		CreateMessageHandler:        u.relaySampling,
		ElicitationHandler:          u.relayElicitation,
		ToolListChangedHandler:      func(ctx context.Context, _ *mcpsdk.ToolListChangedRequest) { u.resync(kindTools) },
		PromptListChangedHandler:    func(ctx context.Context, _ *mcpsdk.PromptListChangedRequest) { u.resync(kindPrompts) },
		ResourceListChangedHandler:  func(ctx context.Context, _ *mcpsdk.ResourceListChangedRequest) { u.resync(kindResources) },
		ResourceUpdatedHandler:      u.relayResourceUpdated,
		LoggingMessageHandler:       u.relayLog,
		ProgressNotificationHandler: u.relayProgress,
	}
	c := mcpsdk.NewClient(&mcpsdk.Implementation{Name: "gatehouse", Version: u.g.opts.Version}, opts)
	c.AddReceivingMiddleware(u.passElicitation)
	return c
}

// passElicitation relays elicitation requests before the SDK client checks
// their schema: the calling client is the one that shows the form and
// judges it, and the SDK's check refuses forms other clients accept
// (titled multi-select enums).
func (u *upstream) passElicitation(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		if er, ok := req.(*mcpsdk.ElicitRequest); ok && method == "elicitation/create" {
			return u.relayElicitation(ctx, er)
		}
		return next(ctx, method, req)
	}
}

// resync reloads lists the upstream says changed. It runs apart from the
// notification: listing is a request on the same connection.
func (u *upstream) resync(kinds kind) {
	u.mu.Lock()
	cs := u.session
	u.mu.Unlock()
	if cs == nil {
		return
	}
	u.g.running.Go(func() {
		ctx, cancel := context.WithTimeout(u.g.runCtx(), u.cfg.Timeout)
		defer cancel()
		if err := u.sync(ctx, cs, kinds); err != nil {
			u.log.Error("upstream lists not refreshed", "error", err)
		}
	})
}

func modern(cs *mcpsdk.ClientSession) bool {
	init := cs.InitializeResult()
	return init != nil && init.ProtocolVersion >= "2026-07-28"
}
