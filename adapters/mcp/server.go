// Package mcp serves Gatehouse's tools over the Model Context Protocol with
// the official Go SDK: one SDK server, reached over Streamable HTTP (both
// protocol eras) and stdio, where every request is tied to an authenticated
// caller and every tool call passes the app's ToolGate.
package mcp

import (
	"context"
	"log/slog"
	"time"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/app"
	"gatehouse/ports"
)

// Config describes the MCP server to clients and where it logs.
type Config struct {
	Name, Version, Instructions string
	Logger                      *slog.Logger
	// SessionTimeout closes legacy (2025-11-25 and older) HTTP sessions idle
	// this long; they live in process memory. Zero means 30 minutes.
	SessionTimeout time.Duration
	// Tracer, when set, traces each tool's run.
	Tracer ports.Tracer
	// ListsChange says prompts and resources come and go while serving
	// (upstream servers'), so the server declares that it announces it.
	ListsChange bool
	// Complete, Subscribe and Unsubscribe, when set, answer
	// completion/complete and resources/(un)subscribe, and the server
	// declares those capabilities.
	Complete    func(context.Context, *mcpsdk.CompleteRequest) (*mcpsdk.CompleteResult, error)
	Subscribe   func(context.Context, *mcpsdk.SubscribeRequest) error
	Unsubscribe func(context.Context, *mcpsdk.UnsubscribeRequest) error
}

const defaultSessionTimeout = 30 * time.Minute

// Server is the MCP server with Gatehouse's caller, scope, rate-limit and
// audit handling installed.
type Server struct {
	sdk            *mcpsdk.Server
	gate           *app.ToolGate
	log            *slog.Logger
	sessionTimeout time.Duration
	tracer         ports.Tracer // nil: tool runs are not traced
}

// ToolProvider puts tools (and prompts and resources) on the server. The
// built-in tools and the upstream servers' are both providers, and what
// any of them adds is reached only through the guard.
type ToolProvider interface {
	Register(*mcpsdk.Server)
}

// ProviderFunc makes a function a ToolProvider.
type ProviderFunc func(*mcpsdk.Server)

// Register calls f.
func (f ProviderFunc) Register(s *mcpsdk.Server) { f(s) }

// NewServer builds the SDK server, lets each provider add its tools, and
// installs the middleware that guards every request.
func NewServer(cfg Config, gate *app.ToolGate, providers ...ToolProvider) *Server {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{gate: gate, log: log, sessionTimeout: cfg.SessionTimeout, tracer: cfg.Tracer}
	if s.sessionTimeout <= 0 {
		s.sessionTimeout = defaultSessionTimeout
	}
	s.sdk = mcpsdk.NewServer(&mcpsdk.Implementation{Name: cfg.Name, Version: cfg.Version}, &mcpsdk.ServerOptions{
		Instructions: cfg.Instructions,
		// The SDK answers prompts/list and resources/list (with empty lists)
		// whether or not any exist, so the declared capabilities say so too:
		// a modern client trusts server/discover to match what is handled.
		Capabilities: &mcpsdk.ServerCapabilities{
			// Logging is deprecated from 2026-07-28 but 2025-11-25 clients
			// still set levels; the SDK declares it by default, so do we.
			//lint:ignore SA1019 kept for the 2025-11-25 wire
			Logging:   &mcpsdk.LoggingCapabilities{},
			Prompts:   &mcpsdk.PromptCapabilities{ListChanged: cfg.ListsChange},
			Resources: &mcpsdk.ResourceCapabilities{ListChanged: cfg.ListsChange, Subscribe: cfg.Subscribe != nil},
		},
		Logger:             sdkLogger(log),
		SetCacheable:       setCacheable,
		CompletionHandler:  cfg.Complete,
		SubscribeHandler:   cfg.Subscribe,
		UnsubscribeHandler: cfg.Unsubscribe,
	})
	for _, p := range providers {
		p.Register(s.sdk)
	}
	s.sdk.AddReceivingMiddleware(s.guard)
	return s
}

// SDK returns the underlying SDK server, for registering more features.
func (s *Server) SDK() *mcpsdk.Server { return s.sdk }

// setCacheable marks every cacheable result private except server/discover:
// lists are filtered by the caller's scopes, so an intermediary must never
// serve one caller's list to another (MCP caching, cacheScope). It runs with
// the SDK server's lock held and must not call back into the server.
func setCacheable(_ context.Context, req mcpsdk.Request, c *mcpsdk.Cacheable) {
	if _, ok := req.(*mcpsdk.ServerRequest[*mcpsdk.DiscoverParams]); ok {
		return
	}
	c.CacheScope = "private"
}
