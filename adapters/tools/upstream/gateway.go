// Package upstream puts other MCP servers behind Gatehouse: each upstream
// runs as a child process over stdio or is reached over Streamable HTTP,
// and its tools, prompts, resources, resource templates and completions are
// re-exported on Gatehouse's own MCP server under a prefix, where every call
// passes the same scope policy, rate limit and audit as a built-in tool.
//
// The caller's token never travels upstream: an upstream sees Gatehouse as
// its client, with credentials of Gatehouse's own (MCP forbids token
// passthrough). What the upstream sends back during a call (progress, log
// messages, sampling and elicitation requests) is relayed to the caller.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/domain"
)

// Config describes one upstream MCP server.
type Config struct {
	// Name identifies the upstream in logs, errors and /readyz.
	Name string
	// Prefix goes before every exported tool and prompt name.
	Prefix string
	// Connect opens a new connection; see Stdio and HTTP.
	Connect Connector
	// Include and Exclude are path.Match globs over the upstream's own tool
	// and prompt names; an empty Include admits every name.
	Include, Exclude []string
	// Lazy defers the first connection until an MCP request needs it.
	Lazy bool
	// Timeout bounds each call; MaxConcurrency caps the calls in flight.
	Timeout        time.Duration
	MaxConcurrency int
	// ForwardCaller puts the caller's identity in each request's _meta.
	ForwardCaller bool
	// ReadScopes are what a caller needs to read the upstream's resources,
	// get its prompts or ask it for completions (default: Options'
	// ReadScopes).
	ReadScopes domain.Scopes
	// Protocol is the revision of the (first) session: "2025-11-25" when
	// empty, or "2026-07-28".
	Protocol string
	// SessionPerEra opens a second, 2026-07-28 session when the upstream
	// speaks that revision, for callers that do: their input-required
	// results then pass through as the upstream wrote them. It needs a
	// transport where a second connection reaches the same server (HTTP,
	// not a second child process).
	SessionPerEra bool
}

// Options are the gateway's settings shared by all upstreams.
type Options struct {
	Logger *slog.Logger
	// Version is what Gatehouse tells upstreams about itself.
	Version string
	// Reserved names belong to Gatehouse's own tools; an upstream that would
	// export one is refused.
	Reserved []string
	// ReadScopes are what a caller needs to read an upstream's resources,
	// get its prompts or ask it for completions, unless the upstream says
	// (default: read).
	ReadScopes domain.Scopes
	// Implications expand the caller's scopes for those checks.
	Implications domain.ScopeImplications
	// MinBackoff and MaxBackoff bound the wait between reconnections
	// (defaults 250ms and 30s).
	MinBackoff, MaxBackoff time.Duration
}

// Gateway owns the upstreams and what they export.
type Gateway struct {
	opts      Options
	log       *slog.Logger
	upstreams []*upstream

	mu     sync.RWMutex
	server *mcpsdk.Server
	// Who exports what: tools and prompts are separate namespaces, and a
	// tool's scope must never depend on a prompt of the same name.
	owners   map[nameKind]map[string]*upstream
	uris     map[string]*upstream // resource URI or template → its upstream
	reserved map[string]bool

	ctx     context.Context // lives from Start to Close
	stop    context.CancelFunc
	running sync.WaitGroup

	subMu       sync.Mutex
	subscribers map[string]map[*mcpsdk.ServerSession]struct{} // resource URI → Gatehouse sessions subscribed
	watched     map[*mcpsdk.ServerSession]bool

	exMu      sync.Mutex
	exchanges map[string]*exchange // by requestState
}

// New prepares the gateway; nothing is started until Start.
func New(cfgs []Config, opts Options) *Gateway {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if len(opts.ReadScopes) == 0 {
		opts.ReadScopes = domain.NewScopes("read")
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 250 * time.Millisecond
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(30*time.Second, opts.MinBackoff)
	}
	g := &Gateway{
		opts:     opts,
		log:      opts.Logger,
		owners:   map[nameKind]map[string]*upstream{toolNames: {}, promptNames: {}},
		uris:     map[string]*upstream{},
		reserved: map[string]bool{},
		ctx:      context.Background(),

		subscribers: map[string]map[*mcpsdk.ServerSession]struct{}{},
		watched:     map[*mcpsdk.ServerSession]bool{},
		exchanges:   map[string]*exchange{},
	}
	for _, n := range opts.Reserved {
		g.reserved[n] = true
	}
	for _, c := range cfgs {
		g.upstreams = append(g.upstreams, newUpstream(g, c))
	}
	return g
}

// Register attaches the gateway to Gatehouse's MCP server. It must be
// called before Start, with the server whose receiving middleware
// authenticates callers installed after it (so it runs first).
func (g *Gateway) Register(s *mcpsdk.Server) {
	g.mu.Lock()
	g.server = s
	g.mu.Unlock()
	s.AddReceivingMiddleware(g.startLazy)
	s.AddSendingMiddleware(keepElicitResult)
}

// Start connects every upstream that is not lazy and waits for its first
// connection, so that a command that cannot run or a name collision stops
// start-up with a message naming the upstream. Supervision continues in
// the background until Close.
func (g *Gateway) Start(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	g.ctx, g.stop = runCtx, cancel
	var errs []error
	for _, u := range g.upstreams {
		if u.cfg.Lazy {
			continue
		}
		u.start(runCtx)
	}
	for _, u := range g.upstreams {
		if u.cfg.Lazy {
			continue
		}
		if err := u.awaitFirst(ctx); err != nil {
			errs = append(errs, fmt.Errorf("upstream %q: %w", u.cfg.Name, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		g.Close()
		return err
	}
	return nil
}

// Close stops every upstream and waits for their supervisors.
func (g *Gateway) Close() {
	if g.stop != nil {
		g.stop()
	}
	for _, u := range g.upstreams {
		u.shutdown()
	}
	g.running.Wait()
}

// Status reports each upstream's state, for /readyz.
func (g *Gateway) Status() map[string]string {
	out := make(map[string]string, len(g.upstreams))
	for _, u := range g.upstreams {
		out[u.cfg.Name] = u.status()
	}
	return out
}

// ToolScopes is the scope a tool needs by its own account, when no policy
// rule names it: derived from the hints of the upstream tool exported under
// that name. ok is false for names no upstream exports.
func (g *Gateway) ToolScopes(name string) (domain.Scopes, bool) {
	g.mu.RLock()
	u := g.owners[toolNames][name]
	g.mu.RUnlock()
	if u == nil {
		return nil, false
	}
	return u.toolScopes(name)
}

// startLazy connects lazy upstreams on the first authenticated request that
// may concern them, and waits (within their timeout) for their lists; and
// it filters the lists of prompts and resources by the caller's scopes.
func (g *Gateway) startLazy(next mcpsdk.MethodHandler) mcpsdk.MethodHandler {
	return func(ctx context.Context, method string, req mcpsdk.Request) (mcpsdk.Result, error) {
		if needsUpstreams(method) {
			// All start at once; the waits then overlap.
			for _, u := range g.upstreams {
				if u.cfg.Lazy {
					u.startOnDemand()
				}
			}
			for _, u := range g.upstreams {
				if u.cfg.Lazy {
					u.awaitOnDemand(ctx)
				}
			}
		}
		res, err := next(ctx, method, req)
		if err != nil {
			return res, err
		}
		return g.readable(ctx, res), nil
	}
}

// readable leaves out of a prompt, resource or template list what the
// caller may not read, as tools/list leaves out what it may not call.
func (g *Gateway) readable(ctx context.Context, res mcpsdk.Result) mcpsdk.Result {
	may := func(u *upstream) bool { return u == nil || u.mayRead(ctx) == nil }
	switch r := res.(type) {
	case *mcpsdk.ListPromptsResult:
		out := *r
		out.Prompts = slices.DeleteFunc(slices.Clone(r.Prompts), func(p *mcpsdk.Prompt) bool { return !may(g.ownerOfPrompt(p.Name)) })
		return &out
	case *mcpsdk.ListResourcesResult:
		out := *r
		out.Resources = slices.DeleteFunc(slices.Clone(r.Resources), func(x *mcpsdk.Resource) bool { return !may(g.ownerOfURI(x.URI)) })
		return &out
	case *mcpsdk.ListResourceTemplatesResult:
		out := *r
		out.ResourceTemplates = slices.DeleteFunc(slices.Clone(r.ResourceTemplates), func(x *mcpsdk.ResourceTemplate) bool {
			return !may(g.ownerOfURI(x.URITemplate))
		})
		return &out
	}
	return res
}

func needsUpstreams(method string) bool {
	switch method {
	case "tools/list", "tools/call", "prompts/list", "prompts/get", "resources/list", "resources/read",
		"resources/templates/list", "resources/subscribe", "completion/complete", "server/discover":
		return true
	}
	return false
}

// nameKind says which namespace a name is in.
type nameKind int

const (
	toolNames nameKind = iota
	promptNames
)

// claim records that u exports the names (of kind nk) and URIs, refusing
// any another upstream or Gatehouse itself already has; it returns the
// refused ones.
func (g *Gateway) claim(u *upstream, nk nameKind, names, uris []string) (refused []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	owners := g.owners[nk]
	for _, n := range names {
		if owner, ok := owners[n]; (ok && owner != u) || (nk == toolNames && g.reserved[n]) {
			refused = append(refused, n)
			continue
		}
		owners[n] = u
	}
	for _, uri := range uris {
		if owner, ok := g.uris[uri]; ok && owner != u {
			refused = append(refused, uri)
			continue
		}
		g.uris[uri] = u
	}
	return refused
}

// release forgets names (of kind nk) and URIs u no longer exports.
func (g *Gateway) release(u *upstream, nk nameKind, names, uris []string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	owners := g.owners[nk]
	for _, n := range names {
		if owners[n] == u {
			delete(owners, n)
		}
	}
	for _, uri := range uris {
		if g.uris[uri] == u {
			delete(g.uris, uri)
		}
	}
}

// ownerOfPrompt is the upstream that exports a prompt name.
func (g *Gateway) ownerOfPrompt(name string) *upstream {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.owners[promptNames][name]
}

func (g *Gateway) ownerOfURI(uri string) *upstream {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.uris[uri]
}

func (g *Gateway) mcpServer() *mcpsdk.Server {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.server
}

// runCtx is the gateway's own life, for work no request owns.
func (g *Gateway) runCtx() context.Context { return g.ctx }
