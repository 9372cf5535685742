package upstream

//lint:file-ignore SA1019 sampling, roots and logging are deprecated from 2026-07-28 but still carried for 2025-11-25 peers, which the gateway relays

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
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
	modernCS  *mcpsdk.ClientSession // the 2026-07-28 session, when SessionPerEra and the upstream speaks it
	state     string
	lastErr   error
	retryAt   time.Time
	exports   exports
	calls     map[*call]struct{}
	progress  map[string]*call
	nextToken uint64
	order     *relayOrder // of the current connection

	deaf         bool // the session cannot hear list changes; see watchDeaf
	resyncing    bool
	pendingKinds kind
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

// startOnDemand starts a lazy upstream for a request; awaitOnDemand then
// waits for its first connection, within the upstream's timeout and the
// request's life.
func (u *upstream) startOnDemand() {
	if u.g.stop == nil {
		return // the gateway was never started
	}
	u.start(u.g.runCtx())
}

func (u *upstream) awaitOnDemand(ctx context.Context) {
	if u.g.stop == nil {
		return
	}
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
			// Close ends the connection even if it raced with connect.
			stop := context.AfterFunc(ctx, func() { _ = cs.Close() })
			err = cs.Wait()
			stop()
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
	// A new connection starts counting afresh: what the last one read and
	// never relayed is gone with it.
	order := &relayOrder{}
	u.mu.Lock()
	u.order = order
	u.mu.Unlock()
	t, err := u.transport(ctx, order)
	if err != nil {
		return nil, err
	}
	protocol := u.cfg.Protocol
	if protocol == "" {
		protocol = upstreamProtocol
	}
	cs, err := u.newClient(u.firstSessionMRTR()).Connect(cctx, t, &mcpsdk.ClientSessionOptions{ProtocolVersion: protocol})
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := u.prepare(cctx, cs); err != nil {
		_ = cs.Close()
		return nil, err
	}
	u.resubscribe(cctx, cs)
	var mcs *mcpsdk.ClientSession
	if u.cfg.SessionPerEra && !modern(cs) {
		mcs = u.connectModern(cctx)
	}
	u.mu.Lock()
	u.session, u.modernCS, u.state, u.lastErr = cs, mcs, "up", nil
	u.deaf = modern(cs) || (u.cfg.SessionPerEra && cs.ID() == "")
	deaf, pending := u.deaf, u.pendingKinds != 0
	u.mu.Unlock()
	if pending {
		// Changes announced while connecting.
		u.resync(0)
	}
	if deaf {
		u.log.Info("upstream cannot announce list changes; its lists are reloaded after each call and every " + deafRefresh.String())
		u.g.running.Go(func() { u.watchDeaf(cs) })
	}
	if mcs != nil {
		// The pair lives and dies together: the supervisor watches the
		// first.
		go func() {
			_ = cs.Wait()
			_ = mcs.Close()
		}()
	}
	return cs, nil
}

// firstSessionMRTR: a 2026-07-28 first session passes input-required
// results to callers as they are, like the second session of an HTTP
// upstream; a 2025-11-25 one receives requests instead.
func (u *upstream) firstSessionMRTR() *mcpsdk.MultiRoundTripOptions {
	if u.cfg.Protocol >= "2026-07-28" {
		return &mcpsdk.MultiRoundTripOptions{Disabled: true}
	}
	return nil
}

// connectModern opens the 2026-07-28 session, or returns nil when the
// upstream does not speak that revision. Its client fulfils nothing
// itself: input-required results go to the caller as they are.
func (u *upstream) connectModern(ctx context.Context) *mcpsdk.ClientSession {
	u.mu.Lock()
	order := u.order
	u.mu.Unlock()
	t, err := u.transport(ctx, order)
	if err != nil {
		u.log.Warn("no 2026-07-28 session with the upstream", "error", err)
		return nil
	}
	c := u.newClient(&mcpsdk.MultiRoundTripOptions{Disabled: true})
	mcs, err := c.Connect(ctx, t, &mcpsdk.ClientSessionOptions{ProtocolVersion: "2026-07-28"})
	if err != nil {
		u.log.Warn("no 2026-07-28 session with the upstream", "error", err)
		return nil
	}
	if !modern(mcs) {
		_ = mcs.Close()
		return nil
	}
	return mcs
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
	if u.modernCS != nil {
		_ = u.modernCS.Close()
	}
	u.session, u.modernCS, u.lastErr, u.retryAt = nil, nil, err, retryAt
	u.state = "down"
}

// shutdown closes the connection: for a stdio upstream, the child exits.
func (u *upstream) shutdown() {
	u.mu.Lock()
	cs := u.session
	u.mu.Unlock()
	if cs != nil {
		_ = cs.Close()
	}
}

// current returns the live session, or an error saying why there is none.
func (u *upstream) current() (*mcpsdk.ClientSession, error) {
	return u.sessionFor(nil)
}

// sessionFor returns the session that serves the caller: the 2026-07-28
// one for a caller of that revision when there is one.
func (u *upstream) sessionFor(caller *mcpsdk.ServerSession) (*mcpsdk.ClientSession, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.session != nil {
		if u.modernCS != nil && modernCaller(caller) {
			return u.modernCS, nil
		}
		return u.session, nil
	}
	switch {
	case u.state == "not started":
		return nil, fmt.Errorf("upstream %q is not connected yet", u.cfg.Name)
	case u.lastErr != nil && !u.retryAt.IsZero():
		wait := max(time.Until(u.retryAt), 0).Round(time.Millisecond)
		return nil, fmt.Errorf("upstream %q is unavailable (%s); reconnecting in %s", u.cfg.Name, brief(u.lastErr), wait)
	case u.lastErr != nil:
		return nil, fmt.Errorf("upstream %q is unavailable (%s)", u.cfg.Name, brief(u.lastErr))
	default:
		return nil, fmt.Errorf("upstream %q is starting", u.cfg.Name)
	}
}

func (u *upstream) status() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.state == "down" && u.lastErr != nil {
		return "down: " + brief(u.lastErr)
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
// declares sampling, elicitation and roots, which it relays to callers.
func (u *upstream) newClient(mrtr *mcpsdk.MultiRoundTripOptions) *mcpsdk.Client {
	opts := &mcpsdk.ClientOptions{
		Logger:                      u.log,
		Capabilities:                &mcpsdk.ClientCapabilities{RootsV2: &mcpsdk.RootCapabilities{}},
		CreateMessageHandler:        u.relaySampling,
		ElicitationHandler:          u.relayElicitation,
		ToolListChangedHandler:      func(ctx context.Context, _ *mcpsdk.ToolListChangedRequest) { u.resync(kindTools) },
		PromptListChangedHandler:    func(ctx context.Context, _ *mcpsdk.PromptListChangedRequest) { u.resync(kindPrompts) },
		ResourceListChangedHandler:  func(ctx context.Context, _ *mcpsdk.ResourceListChangedRequest) { u.resync(kindResources) },
		ResourceUpdatedHandler:      u.relayResourceUpdated,
		LoggingMessageHandler:       u.relayLog,
		ProgressNotificationHandler: u.relayProgress,
		MultiRoundTrip:              mrtr,
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
		// The SDK client answers roots/list from its own list; Gatehouse
		// has none, the caller has.
		if rr, ok := req.(*mcpsdk.ListRootsRequest); ok && method == "roots/list" {
			return u.relayRoots(ctx, rr.Params)
		}
		return next(ctx, method, req)
	}
}

// resync reloads lists the upstream says changed. It runs apart from the
// notification (listing is a request on the same connection), one reload
// at a time: what is asked for meanwhile is reloaded once more after it.
func (u *upstream) resync(kinds kind) {
	u.mu.Lock()
	u.pendingKinds |= kinds
	if u.session == nil {
		// Reloaded once the connection is up.
		u.mu.Unlock()
		return
	}
	if u.resyncing {
		u.mu.Unlock()
		return
	}
	u.resyncing = true
	u.mu.Unlock()
	u.g.running.Go(func() {
		for {
			u.mu.Lock()
			k, cs := u.pendingKinds, u.session
			u.pendingKinds = 0
			if k == 0 || cs == nil {
				u.resyncing = false
				u.mu.Unlock()
				return
			}
			u.mu.Unlock()
			ctx, cancel := context.WithTimeout(u.g.runCtx(), u.cfg.Timeout)
			if err := u.sync(ctx, cs, k); err != nil {
				u.log.Error("upstream lists not refreshed", "error", err)
			}
			cancel()
		}
	})
}

// deafRefresh is how often the lists of an upstream that cannot announce
// changes are reloaded, besides after each call to it.
const deafRefresh = 30 * time.Second

// watchDeaf reloads a deaf session's lists until it ends. A 2026-07-28
// session hears of changes only on a subscriptions/listen stream, which
// the SDK client does not open; a 2025-11-25 session without a session id
// (a stateless HTTP server) has no stream to hear them on.
func (u *upstream) watchDeaf(cs *mcpsdk.ClientSession) {
	done := make(chan struct{})
	go func() {
		_ = cs.Wait()
		close(done)
	}()
	t := time.NewTicker(deafRefresh)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-u.g.runCtx().Done():
			return
		case <-t.C:
			u.resync(allKinds)
		}
	}
}

func modern(cs *mcpsdk.ClientSession) bool {
	init := cs.InitializeResult()
	return init != nil && init.ProtocolVersion >= "2026-07-28"
}

// urlPath matches the path and query of URLs in error texts.
var urlPath = regexp.MustCompile(`(https?://[^/\s"?#]+)[^\s"]*`)

// brief is an error as callers and /readyz (which anyone may read) see it:
// URLs keep their scheme and host and lose their path and query, where
// internal routes and credentials would show. The log keeps the whole.
func brief(err error) string {
	if err == nil {
		return ""
	}
	return urlPath.ReplaceAllString(err.Error(), "$1/…")
}
