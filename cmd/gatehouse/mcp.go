package main

import (
	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	mcpadapter "gatehouse/adapters/mcp"
	"gatehouse/adapters/tools/account"
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
}

// buildTools wires policy, rate limits, audit and the built-in tools.
func (s *system) buildTools() *toolStack {
	cfg := s.cfg
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
	srv := mcpadapter.NewServer(mcpadapter.Config{
		Name:         "gatehouse",
		Version:      version,
		Instructions: "Gatehouse tools. Each tool needs an OAuth scope; tools/list shows only the ones your token may call.",
		Logger:       s.log,
		Tracer:       s.tel.Spans(),
	}, gate, func(m *mcpsdk.Server) { account.Register(m, acc) })
	return &toolStack{
		gate:   gate,
		server: srv,
		sessions: &app.Sessions{
			Config: app.SessionConfig{TTL: cfg.Sessions.TTL, MaxPerUser: cfg.Sessions.MaxPerUser, Sliding: cfg.Sessions.Sliding, MaxAge: cfg.Sessions.MaxAge},
			Store:  s.stores.Sessions,
			Clock:  now,
		},
		limiter: limiter,
	}
}
