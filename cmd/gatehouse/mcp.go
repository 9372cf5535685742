package main

import (
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	mcpadapter "gatehouse/adapters/mcp"
	"gatehouse/adapters/tools/account"
	"gatehouse/adapters/tools/upstream"
	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

// toolStack is the MCP side: the tool gate, the MCP server and its
// companions, shared by HTTP and stdio.
type toolStack struct {
	gate     *app.ToolGate
	server   *mcpadapter.Server
	sessions *app.Sessions
	limiter  ports.RateLimiter
	gateway  *upstream.Gateway // nil without upstreams
}

// buildTools wires policy, rate limits, audit, the built-in tools and the
// upstream servers' (which are connected by startGateway).
func (s *system) buildTools() (*toolStack, error) {
	cfg := s.cfg
	gw, err := s.buildGateway()
	if err != nil {
		return nil, err
	}
	rules := make([]domain.ToolRule, 0, len(cfg.Tools.Policy))
	for _, r := range cfg.Tools.Policy {
		rules = append(rules, domain.ToolRule{Match: r.Match, Scopes: domain.NewScopes(r.Scopes...)})
	}
	// Configured rules come first so an operator can override a built-in
	// tool's scope; the first matching rule wins.
	rules = append(rules, account.DefaultPolicy()...)
	limiter, trail := s.limiter, s.trail
	gate := &app.ToolGate{
		Policy: domain.ToolPolicy{
			Rules:        rules,
			Default:      domain.NewScopes(cfg.Tools.DefaultScopes...),
			Implications: domain.ScopeImplications(cfg.Tools.Implications),
		},
		RateLimit:      app.RateLimitConfig{Enabled: cfg.RateLimit.Enabled, Requests: cfg.RateLimit.Requests, Window: cfg.RateLimit.Window},
		Limiter:        limiter,
		Audit:          trail,
		AuditArguments: cfg.Audit.LogArguments,
		Logger:         s.log,
		Metrics:        s.tel.Metrics(),
		Tracer:         s.tel.Spans(),
	}
	acc := &app.Accounts{
		Clients:        s.stores.Clients,
		Grants:         s.stores.Grants,
		Revocations:    s.stores.Revocations,
		Sessions:       s.stores.Sessions,
		Audit:          trail,
		AccessTokenTTL: cfg.Auth.Builtin.AccessTokenTTL,
		Clock:          now,
	}
	mcfg := mcpadapter.Config{
		Name:         "gatehouse",
		Version:      version,
		Instructions: "Gatehouse tools. Each tool needs an OAuth scope; tools/list shows only the ones your token may call.",
		Logger:       s.log,
		Tracer:       s.tel.Spans(),
	}
	providers := []mcpadapter.ToolProvider{mcpadapter.ProviderFunc(func(m *mcpsdk.Server) { account.Register(m, acc) })}
	if gw != nil {
		// Rules name upstream tools like any other; a tool no rule names
		// needs what its annotations imply, not the blanket default.
		gate.Policy.ToolDefaults = gw.ToolScopes
		mcfg.Complete, mcfg.Subscribe, mcfg.Unsubscribe = gw.Complete, gw.Subscribe, gw.Unsubscribe
		mcfg.ListsChange = true
		providers = append(providers, gw)
	}
	srv := mcpadapter.NewServer(mcfg, gate, providers...)
	return &toolStack{
		gateway: gw,
		gate:    gate,
		server:  srv,
		sessions: &app.Sessions{
			Config: app.SessionConfig{TTL: cfg.Sessions.TTL, MaxPerUser: cfg.Sessions.MaxPerUser, Sliding: cfg.Sessions.Sliding, MaxAge: cfg.Sessions.MaxAge},
			Store:  s.stores.Sessions,
			Clock:  now,
		},
		limiter: limiter,
	}, nil
}
