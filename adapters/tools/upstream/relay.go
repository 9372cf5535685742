package upstream

//lint:file-ignore SA1019 sampling, roots and logging are deprecated from 2026-07-28 but still carried for 2025-11-25 peers, which the gateway relays

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
	"gatehouse/domain"
)

// MetaCallerKey is the _meta entry that carries the caller to an upstream
// configured to receive it: {"sub", "client_id", "scope"}. Never a token.
const MetaCallerKey = "gatehouse/caller"

// call is one caller's request in flight to an upstream: where to relay
// what the upstream sends back while it works.
type call struct {
	ctx      context.Context // the caller's request: notifications sent with it reach that caller
	session  *mcpsdk.ServerSession
	token    any       // the caller's progress token, if it asked for progress
	exchange *exchange // for a 2026-07-28 caller: where the upstream's questions go

	// Notifications reach the caller through a queue of its own, so that a
	// caller slow to read holds up only its own call, never the upstream's
	// notifications to everyone else.
	relayMu   sync.Mutex
	relays    chan func()
	relayDone chan struct{}
}

// relayQueue bounds a call's undelivered notifications; beyond it they
// are dropped (and logged).
const relayQueue = 64

// startRelays starts the call's delivery goroutine.
func (c *call) startRelays() {
	relays, done := make(chan func(), relayQueue), make(chan struct{})
	c.relays, c.relayDone = relays, done
	go func() {
		defer close(done)
		for deliver := range relays {
			deliver()
		}
	}()
}

// relay queues a delivery to the caller; false if the queue is full or
// the call has ended.
func (c *call) relay(deliver func()) bool {
	c.relayMu.Lock()
	defer c.relayMu.Unlock()
	if c.relays == nil {
		return false
	}
	select {
	case c.relays <- deliver:
		return true
	default:
		return false
	}
}

// flushRelays stops taking notifications and waits, within limit, for the
// queued ones to reach the caller: they belong before the call's result.
func (c *call) flushRelays(limit time.Duration) {
	c.relayMu.Lock()
	if c.relays == nil {
		c.relayMu.Unlock()
		return
	}
	close(c.relays)
	c.relays = nil
	done := c.relayDone
	c.relayMu.Unlock()
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

type callKey struct{}

// begin registers a call; the returned upstream context carries it, so that what
// the SDK client runs within the call (input the upstream asks for in a
// 2026-07-28 result) finds its caller exactly.
func (u *upstream) begin(upCtx, callerCtx context.Context, session *mcpsdk.ServerSession, meta mcpsdk.Meta) (context.Context, *call, string) {
	c := &call{ctx: callerCtx, session: session}
	c.startRelays()
	c.exchange, _ = callerCtx.Value(exchangeKey{}).(*exchange)
	var upToken string
	u.mu.Lock()
	u.calls[c] = struct{}{}
	if tok, ok := meta["progressToken"]; ok && tok != nil {
		c.token = tok
		u.nextToken++
		upToken = "gatehouse-" + strconv.FormatUint(u.nextToken, 10)
		u.progress[upToken] = c
	}
	u.mu.Unlock()
	return context.WithValue(upCtx, callKey{}, c), c, upToken
}

func (u *upstream) end(c *call, upToken string, abandoned bool) {
	u.mu.Lock()
	delete(u.calls, c)
	if upToken != "" {
		delete(u.progress, upToken)
	}
	if abandoned {
		// The caller stopped waiting (it cancelled, or the timeout struck),
		// but the upstream may still be working on the call and ask about
		// it. A ghost holds its place for as long as the upstream may take,
		// so such a question is refused rather than given to whoever calls
		// next.
		ghost := &call{ctx: c.ctx}
		u.calls[ghost] = struct{}{}
		time.AfterFunc(u.cfg.Timeout, func() {
			u.mu.Lock()
			delete(u.calls, ghost)
			u.mu.Unlock()
		})
	}
	u.mu.Unlock()
}

// callerOf finds the call a server-to-client message belongs to: the one
// the context names, or else the only call in flight. With several in
// flight there is no telling whose it is (stdio and legacy sessions do not
// say), and guessing would hand one caller's exchange to another.
func (u *upstream) callerOf(ctx context.Context) (*call, error) {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c, nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if len(u.calls) == 1 {
		for c := range u.calls {
			if c.session == nil && c.exchange == nil {
				return nil, fmt.Errorf("gatehouse: the call to upstream %q this belongs to has ended", u.cfg.Name)
			}
			return c, nil
		}
	}
	if len(u.calls) == 0 {
		return nil, fmt.Errorf("gatehouse: no call to upstream %q is in progress to relay this to", u.cfg.Name)
	}
	return nil, fmt.Errorf("gatehouse: %d calls to upstream %q are in progress, so this cannot be relayed to one caller", len(u.calls), u.cfg.Name)
}

// callTool forwards a call to the upstream's tool original.
func (u *upstream) callTool(original string) mcpsdk.ToolHandler {
	return func(ctx context.Context, req *mcpsdk.CallToolRequest) (*mcpsdk.CallToolResult, error) {
		var args any
		var meta mcpsdk.Meta
		var state string
		var responses mcpsdk.InputResponseMap
		if req.Params != nil {
			if len(req.Params.Arguments) > 0 {
				args = req.Params.Arguments
			}
			meta, state, responses = req.Params.Meta, req.Params.RequestState, req.Params.InputResponses
		}
		var out *mcpsdk.CallToolResult
		res, inputs, next, err := u.run(ctx, req.Session, "tool "+original, meta, state, responses, func(ctx context.Context, cs *mcpsdk.ClientSession, m mcpsdk.Meta) error {
			var err error
			p := &mcpsdk.CallToolParams{Name: original, Arguments: args, Meta: m}
			if modern(cs) {
				p.InputResponses, p.RequestState = responses, state
			}
			out, err = cs.CallTool(ctx, p)
			if out != nil {
				dropProtocolMeta(out.Meta)
			}
			return err
		}, func() mcpsdk.Result { return out })
		if inputs != nil {
			return &mcpsdk.CallToolResult{InputRequests: inputs, RequestState: next}, nil
		}
		var ue *unavailableError
		if errors.As(err, &ue) {
			// A tool error, not a protocol error: the model sees why and
			// may try again later.
			return &mcpsdk.CallToolResult{IsError: true, Content: []mcpsdk.Content{&mcpsdk.TextContent{Text: ue.Error()}}}, nil
		}
		if err != nil {
			return nil, err
		}
		return res.(*mcpsdk.CallToolResult), nil
	}
}

func (u *upstream) getPrompt(original string) mcpsdk.PromptHandler {
	return func(ctx context.Context, req *mcpsdk.GetPromptRequest) (*mcpsdk.GetPromptResult, error) {
		if err := u.mayRead(ctx); err != nil {
			return nil, err
		}
		params := *req.Params
		params.Name = original
		params.RequestState, params.InputResponses = "", nil
		var out *mcpsdk.GetPromptResult
		res, inputs, next, err := u.run(ctx, req.Session, "prompt "+original, req.Params.Meta, req.Params.RequestState, req.Params.InputResponses,
			func(ctx context.Context, cs *mcpsdk.ClientSession, m mcpsdk.Meta) error {
				var err error
				params.Meta = m
				if modern(cs) {
					params.InputResponses, params.RequestState = req.Params.InputResponses, req.Params.RequestState
				}
				out, err = cs.GetPrompt(ctx, &params)
				if out != nil {
					dropProtocolMeta(out.Meta)
				}
				return err
			}, func() mcpsdk.Result { return out })
		if inputs != nil {
			return &mcpsdk.GetPromptResult{InputRequests: inputs, RequestState: next}, nil
		}
		if err != nil {
			return nil, protocolError(err)
		}
		return res.(*mcpsdk.GetPromptResult), nil
	}
}

func (u *upstream) readResource(ctx context.Context, req *mcpsdk.ReadResourceRequest) (*mcpsdk.ReadResourceResult, error) {
	if err := u.mayRead(ctx); err != nil {
		return nil, err
	}
	params := *req.Params
	params.RequestState, params.InputResponses = "", nil
	var out *mcpsdk.ReadResourceResult
	res, inputs, next, err := u.run(ctx, req.Session, "resource "+params.URI, req.Params.Meta, req.Params.RequestState, req.Params.InputResponses,
		func(ctx context.Context, cs *mcpsdk.ClientSession, m mcpsdk.Meta) error {
			var err error
			params.Meta = m
			if modern(cs) {
				params.InputResponses, params.RequestState = req.Params.InputResponses, req.Params.RequestState
			}
			out, err = cs.ReadResource(ctx, &params)
			if out != nil {
				dropProtocolMeta(out.Meta)
			}
			return err
		}, func() mcpsdk.Result { return out })
	if inputs != nil {
		return &mcpsdk.ReadResourceResult{InputRequests: inputs, RequestState: next}, nil
	}
	if err != nil {
		return nil, protocolError(err)
	}
	return res.(*mcpsdk.ReadResourceResult), nil
}

// unavailableError says the upstream could not take or finish the call.
type unavailableError struct{ msg string }

func (e *unavailableError) Error() string { return e.msg }

// forward runs one request to the upstream: within its timeout and
// concurrency limit, registered for relaying, and with the caller's _meta
// minus what is the caller's own business.
func (u *upstream) forward(ctx context.Context, session *mcpsdk.ServerSession, meta mcpsdk.Meta,
	do func(context.Context, *mcpsdk.ClientSession, mcpsdk.Meta) error) error {
	cs, err := u.sessionFor(session)
	if err != nil {
		return &unavailableError{msg: err.Error()}
	}
	// The upstream request gets a context of its own, ended by the caller
	// or the timeout: the caller's carries values the SDK's HTTP server put
	// there (the caller's protocol version), which its HTTP client would
	// take for its own.
	upCtx, cancel := context.WithTimeout(u.g.runCtx(), u.cfg.Timeout)
	defer cancel()
	defer context.AfterFunc(ctx, cancel)()
	select {
	case u.sem <- struct{}{}:
		defer func() { <-u.sem }()
	case <-upCtx.Done():
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &unavailableError{msg: fmt.Sprintf("upstream %q is busy: %d calls already in progress for %s", u.cfg.Name, cap(u.sem), u.cfg.Timeout)}
	}
	upCtx, c, upToken := u.begin(upCtx, ctx, session, meta)
	defer func() { u.end(c, upToken, upCtx.Err() != nil) }()
	// The connection's counters and whether it hears list changes, as they
	// are for the session this call uses.
	u.mu.Lock()
	order, deaf := u.order, u.deaf
	u.mu.Unlock()
	wire := &wireError{}
	err = do(context.WithValue(upCtx, wireErrorKey{}, wire), cs, u.upstreamMeta(ctx, cs, meta, upToken))
	if order != nil {
		order.barrier(upCtx)
	}
	c.flushRelays(relayWait)
	if deaf {
		// A call is what most often changes an upstream's lists, and this
		// upstream cannot say so.
		u.resync(allKinds)
	}
	if err == nil {
		return nil
	}
	var werr *jsonrpc.Error
	if errors.As(err, &werr) {
		if whole := wire.upstreamError(werr); whole != werr {
			return whole
		}
	}
	return u.failure(ctx, upCtx, cs, err)
}

// failure classifies an error from the upstream. The upstream's own
// JSON-RPC errors pass through; a timeout, a full queue or a broken
// connection become an unavailableError naming the upstream.
func (u *upstream) failure(ctx, upCtx context.Context, cs *mcpsdk.ClientSession, err error) error {
	var wire *jsonrpc.Error
	switch {
	case ctx.Err() != nil:
		return ctx.Err() // the caller went away
	case upCtx.Err() != nil && u.g.runCtx().Err() == nil:
		return &unavailableError{msg: fmt.Sprintf("upstream %q did not answer within %s", u.cfg.Name, u.cfg.Timeout)}
	case errors.As(err, &wire):
		// The upstream's own error, as it sent it (the SDK's wrapping
		// would cost it its data).
		return wire
	case errors.Is(err, mcpsdk.ErrConnectionClosed):
		return &unavailableError{msg: fmt.Sprintf("upstream %q is unavailable (connection lost); reconnecting", u.cfg.Name)}
	default:
		// Anything else is the transport failing this request. If the
		// upstream no longer answers at all, start again with a new
		// connection; if it does, only this request was lost (an HTTP
		// response stream cut short).
		if !u.alive(cs) {
			u.lost(cs, err)
			return &unavailableError{msg: fmt.Sprintf("upstream %q is unavailable (%s); reconnecting", u.cfg.Name, brief(err))}
		}
		u.log.Warn("upstream request failed", "error", err)
		return &unavailableError{msg: fmt.Sprintf("upstream %q did not complete the request (%s)", u.cfg.Name, brief(err))}
	}
}

// alive pings the upstream, briefly.
func (u *upstream) alive(cs *mcpsdk.ClientSession) bool {
	ctx, cancel := context.WithTimeout(u.g.runCtx(), min(u.cfg.Timeout, 5*time.Second))
	defer cancel()
	return cs.Ping(ctx, nil) == nil
}

// protocolError turns an unavailable upstream into a JSON-RPC error for
// requests that have no tool-error form.
func protocolError(err error) error {
	var ue *unavailableError
	if errors.As(err, &ue) {
		return &jsonrpc.Error{Code: codeUpstreamUnavailable, Message: ue.Error()}
	}
	return err
}

// codeUpstreamUnavailable follows Gatehouse's own refusal codes (-32010…).
const codeUpstreamUnavailable = -32014

// upstreamMeta is the _meta sent upstream: the caller's, without protocol
// keys the SDK client sets itself, with Gatehouse's progress token in
// place of the caller's, a log level for 2026-07-28 sessions (each
// caller's own level filters the relayed messages), and the caller when
// configured.
func (u *upstream) upstreamMeta(ctx context.Context, cs *mcpsdk.ClientSession, in mcpsdk.Meta, upToken string) mcpsdk.Meta {
	out := mcpsdk.Meta{}
	for k, v := range in {
		if k == "progressToken" || k == MetaCallerKey || strings.HasPrefix(k, "io.modelcontextprotocol/") {
			continue
		}
		out[k] = v
	}
	if upToken != "" {
		out["progressToken"] = upToken
	}
	if modern(cs) {
		// The caller's own capabilities, so that the upstream asks only
		// for what the caller can give; the caller's level, so that it
		// logs what the caller wants.
		if caps, ok := in[mcpsdk.MetaKeyClientCapabilities]; ok {
			out[mcpsdk.MetaKeyClientCapabilities] = caps
		}
		out[mcpsdk.MetaKeyLogLevel] = "debug"
		if lvl, ok := in[mcpsdk.MetaKeyLogLevel]; ok {
			out[mcpsdk.MetaKeyLogLevel] = lvl
		}
	}
	if u.cfg.ForwardCaller {
		if c, ok := app.CallerFrom(ctx); ok {
			out[MetaCallerKey] = map[string]any{
				"sub":       c.Principal.Subject,
				"client_id": c.Principal.ClientID,
				"scope":     c.Principal.Scopes.String(),
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// relayProgress sends the upstream's progress to the caller that asked for
// it, under the caller's own token.
func (u *upstream) relayProgress(_ context.Context, req *mcpsdk.ProgressNotificationClientRequest) {
	defer u.relayed(req.GetSession())
	p := req.Params
	if p == nil {
		return
	}
	u.mu.Lock()
	c := u.progress[fmt.Sprint(p.ProgressToken)]
	u.mu.Unlock()
	if c == nil || c.session == nil {
		return
	}
	out := *p
	out.ProgressToken = c.token
	if !c.relay(func() {
		if err := c.session.NotifyProgress(c.ctx, &out); err != nil {
			u.log.Debug("progress not relayed", "error", err)
		}
	}) {
		u.log.Debug("progress not relayed: the caller is not keeping up")
	}
}

// relayLog sends a log message to the caller whose call it belongs to;
// Gatehouse's own log keeps every message.
func (u *upstream) relayLog(ctx context.Context, req *mcpsdk.LoggingMessageRequest) {
	defer u.relayed(req.GetSession())
	p := req.Params
	if p == nil {
		return
	}
	data, _ := json.Marshal(p.Data)
	u.log.Debug("upstream log message", "level", p.Level, "logger", p.Logger, "data", string(data))
	c, err := u.callerOf(ctx)
	if err != nil || c.session == nil {
		u.log.Debug("log message not relayed", "error", err)
		return
	}
	if !c.relay(func() {
		if err := c.session.Log(c.ctx, p); err != nil {
			u.log.Debug("log message not relayed", "error", err)
		}
	}) {
		u.log.Debug("log message not relayed: the caller is not keeping up")
	}
}

// relaySampling asks the calling client to sample, when it can.
func (u *upstream) relaySampling(ctx context.Context, req *mcpsdk.CreateMessageRequest) (*mcpsdk.CreateMessageResult, error) {
	c, err := u.callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.session == nil {
		return nil, errors.New("gatehouse: the calling client cannot be asked to sample")
	}
	if c.exchange != nil {
		if caps := callerCaps(c); caps != nil && caps.Sampling == nil {
			return nil, errors.New("gatehouse: the calling client did not declare the sampling capability")
		}
		r, _, err := askCaller(ctx, c, req.Params)
		if err != nil {
			return nil, err
		}
		return samplingAnswer(r)
	}
	return c.session.CreateMessage(c.ctx, req.Params)
}

// relayRoots asks the calling client for its roots, when it can.
func (u *upstream) relayRoots(ctx context.Context, params *mcpsdk.ListRootsParams) (*mcpsdk.ListRootsResult, error) {
	c, err := u.callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.session == nil {
		return nil, errors.New("gatehouse: the calling client cannot be asked for roots")
	}
	if params == nil {
		params = &mcpsdk.ListRootsParams{}
	}
	if c.exchange != nil {
		if caps := callerCaps(c); caps != nil && caps.RootsV2 == nil {
			return nil, errors.New("gatehouse: the calling client did not declare the roots capability")
		}
		r, _, err := askCaller(ctx, c, params)
		if err != nil {
			return nil, err
		}
		return answerAs[*mcpsdk.ListRootsResult](r)
	}
	return c.session.ListRoots(c.ctx, params)
}

// callerCaps are the capabilities the calling client declared, if known.
func callerCaps(c *call) *mcpsdk.ClientCapabilities {
	if ip := c.session.InitializeParams(); ip != nil {
		return ip.Capabilities
	}
	return nil
}

// relayElicitation asks the calling client's user, when it can.
func (u *upstream) relayElicitation(ctx context.Context, req *mcpsdk.ElicitRequest) (*mcpsdk.ElicitResult, error) {
	c, err := u.callerOf(ctx)
	if err != nil {
		return nil, err
	}
	if c.session == nil {
		return nil, errors.New("gatehouse: the calling client cannot be asked for input")
	}
	if c.exchange != nil {
		if caps := callerCaps(c); caps != nil && caps.Elicitation == nil {
			return nil, errors.New("gatehouse: the calling client did not declare the elicitation capability")
		}
		r, _, err := askCaller(ctx, c, req.Params)
		if err != nil {
			return nil, err
		}
		return answerAs[*mcpsdk.ElicitResult](r)
	}
	var kept *mcpsdk.ElicitResult
	res, err := c.session.Elicit(context.WithValue(c.ctx, elicitResultKey{}, &kept), req.Params)
	if err != nil && kept != nil {
		// The SDK checks the answer against the form after the caller gave
		// it, and knows fewer forms than clients do (titled multi-select
		// enums). The upstream asked and judges the answer: it gets it.
		return kept, nil
	}
	return res, err
}

type elicitResultKey struct{}

// keepElicitResult is a sending middleware on Gatehouse's server that keeps
// a relayed elicitation's answer as the caller sent it; see relayElicitation.
func keepElicitResult(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		res, err := next(ctx, method, req)
		if slot, ok := ctx.Value(elicitResultKey{}).(**mcpsdk.ElicitResult); ok && err == nil {
			if er, ok := res.(*mcpsdk.ElicitResult); ok {
				*slot = er
			}
		}
		return res, err
	}
}

// relayResourceUpdated tells Gatehouse's subscribers that a resource
// changed.
func (u *upstream) relayResourceUpdated(ctx context.Context, req *mcpsdk.ResourceUpdatedNotificationRequest) {
	srv := u.g.mcpServer()
	if srv == nil || req.Params == nil || u.g.ownerOfURI(req.Params.URI) != u {
		return
	}
	if err := srv.ResourceUpdated(u.g.runCtx(), req.Params); err != nil {
		u.log.Debug("resource update not relayed", "error", err)
	}
}

// mayRead checks the caller may read the upstream's resources, get its
// prompts and ask it for completions.
func (u *upstream) mayRead(ctx context.Context) error {
	need := u.cfg.ReadScopes
	if len(need) == 0 {
		need = u.g.opts.ReadScopes
	}
	c, ok := app.CallerFrom(ctx)
	if ok && u.g.opts.Implications.Satisfies(c.Principal.Scopes, need) {
		return nil
	}
	// Gatehouse's MCP server gives this the JSON-RPC form of a refused tool
	// call.
	return domain.ErrInsufficientScope(fmt.Sprintf("the resources and prompts of upstream %q need scope %s", u.cfg.Name, need), need)
}

// Complete forwards completion/complete to the upstream that owns the
// prompt or resource template named in the reference.
func (g *Gateway) Complete(ctx context.Context, req *mcpsdk.CompleteRequest) (*mcpsdk.CompleteResult, error) {
	if req.Params == nil || req.Params.Ref == nil {
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "missing ref"}
	}
	params := *req.Params
	ref := *req.Params.Ref
	var u *upstream
	switch ref.Type {
	case "ref/prompt":
		if u = g.ownerOfPrompt(ref.Name); u != nil {
			original, ok := u.originalPrompt(ref.Name)
			if !ok {
				u = nil
			}
			ref.Name = original
		}
	case "ref/resource":
		u = g.ownerOfURI(ref.URI)
	}
	if u == nil {
		return &mcpsdk.CompleteResult{Completion: mcpsdk.CompletionResultDetails{Values: []string{}}}, nil
	}
	if err := u.mayRead(ctx); err != nil {
		return nil, err
	}
	params.Ref = &ref
	var res *mcpsdk.CompleteResult
	err := u.forward(ctx, req.Session, req.Params.Meta, func(ctx context.Context, cs *mcpsdk.ClientSession, m mcpsdk.Meta) error {
		var err error
		params.Meta = m
		res, err = cs.Complete(ctx, &params)
		if res != nil {
			dropProtocolMeta(res.Meta)
		}
		return err
	})
	return res, protocolError(err)
}

// Subscribe forwards resources/subscribe to the upstream that owns the
// URI. The upstream sees one subscriber, Gatehouse, however many callers
// subscribe: it is asked when the first session subscribes and released
// when the last one unsubscribes or goes away (Gatehouse's own server
// keeps who is subscribed to what, and delivers the updates).
func (g *Gateway) Subscribe(ctx context.Context, req *mcpsdk.SubscribeRequest) error {
	return g.subscription(ctx, req.Session, req.Params.URI, req.Params.Meta, true)
}

// Unsubscribe forwards resources/unsubscribe; see Subscribe.
func (g *Gateway) Unsubscribe(ctx context.Context, req *mcpsdk.UnsubscribeRequest) error {
	return g.subscription(ctx, req.Session, req.Params.URI, req.Params.Meta, false)
}

func (g *Gateway) subscription(ctx context.Context, session *mcpsdk.ServerSession, uri string, meta mcpsdk.Meta, subscribe bool) error {
	u := g.ownerOfURI(uri)
	if u == nil {
		return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "unknown resource " + uri}
	}
	if err := u.mayRead(ctx); err != nil {
		return err
	}
	g.subMu.Lock()
	set := g.subscribers[uri]
	_, had := set[session]
	var edge bool // the first session in, or the last one out
	switch {
	case subscribe && had, !subscribe && !had:
		g.subMu.Unlock()
		return nil
	case subscribe:
		if set == nil {
			set = map[*mcpsdk.ServerSession]struct{}{}
			g.subscribers[uri] = set
		}
		set[session] = struct{}{}
		edge = len(set) == 1
		g.watchSession(session)
	default:
		delete(set, session)
		if len(set) == 0 {
			delete(g.subscribers, uri)
			edge = true
		}
	}
	g.subMu.Unlock()
	if !edge {
		return nil
	}
	err := u.forward(ctx, session, meta, func(ctx context.Context, cs *mcpsdk.ClientSession, m mcpsdk.Meta) error {
		if subscribe {
			return cs.Subscribe(ctx, &mcpsdk.SubscribeParams{URI: uri, Meta: m})
		}
		return cs.Unsubscribe(ctx, &mcpsdk.UnsubscribeParams{URI: uri, Meta: m})
	})
	if err != nil && subscribe {
		g.subMu.Lock()
		delete(g.subscribers[uri], session)
		if len(g.subscribers[uri]) == 0 {
			delete(g.subscribers, uri)
		}
		g.subMu.Unlock()
	}
	return protocolError(err)
}

// watchSession drops a session's subscriptions when it ends. g.subMu is
// held.
func (g *Gateway) watchSession(ss *mcpsdk.ServerSession) {
	if ss == nil || g.watched[ss] {
		return
	}
	g.watched[ss] = true
	go func() {
		_ = ss.Wait()
		g.dropSession(ss)
	}()
}

// dropSession forgets a session that ended and releases the upstream
// subscriptions it was the last holder of.
func (g *Gateway) dropSession(ss *mcpsdk.ServerSession) {
	g.subMu.Lock()
	delete(g.watched, ss)
	var released []string
	for uri, set := range g.subscribers {
		if _, ok := set[ss]; !ok {
			continue
		}
		delete(set, ss)
		if len(set) == 0 {
			delete(g.subscribers, uri)
			released = append(released, uri)
		}
	}
	g.subMu.Unlock()
	for _, uri := range released {
		u := g.ownerOfURI(uri)
		if u == nil {
			continue
		}
		cs, err := u.current()
		if err != nil {
			continue
		}
		ctx, cancel := context.WithTimeout(g.runCtx(), u.cfg.Timeout)
		if err := cs.Unsubscribe(ctx, &mcpsdk.UnsubscribeParams{URI: uri}); err != nil {
			u.log.Debug("upstream subscription not released", "uri", uri, "error", err)
		}
		cancel()
	}
}

// resubscribe asks a new connection for the updates Gatehouse's sessions
// are subscribed to: the upstream forgot them with the old one.
func (u *upstream) resubscribe(ctx context.Context, cs *mcpsdk.ClientSession) {
	u.g.subMu.Lock()
	var uris []string
	for uri := range u.g.subscribers {
		uris = append(uris, uri)
	}
	u.g.subMu.Unlock()
	for _, uri := range uris {
		if u.g.ownerOfURI(uri) != u {
			continue
		}
		if err := cs.Subscribe(ctx, &mcpsdk.SubscribeParams{URI: uri}); err != nil {
			u.log.Warn("upstream subscription not renewed", "uri", uri, "error", err)
		}
	}
}

// relayed counts a relayable notification as handled; see relayOrder.
func (u *upstream) relayed(from mcpsdk.Session) {
	u.mu.Lock()
	order := u.order
	current := from == nil || from == mcpsdk.Session(u.session) || (u.modernCS != nil && from == mcpsdk.Session(u.modernCS))
	u.mu.Unlock()
	if order != nil && current {
		order.done()
	}
}

// dropProtocolMeta removes the upstream's protocol entries from a result's
// _meta (its serverInfo, above all): the caller's server is Gatehouse, whose
// SDK server writes its own.
func dropProtocolMeta(m mcpsdk.Meta) {
	for k := range m {
		if strings.HasPrefix(k, "io.modelcontextprotocol/") {
			delete(m, k)
		}
	}
}
