package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gatehouse/config"
	"gatehouse/domain"
)

// runToken mints a signed access token for tests and local tools. It works
// only where the keys are shared with the server that will check the token:
// development mode or an explicit key file.
func runToken(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := config.Flags()
	sub := fs.String("sub", "alice", "subject (user) the token speaks for")
	scope := fs.String("scope", "read", "space-separated scopes")
	clientID := fs.String("client-id", "gatehouse-cli", "client_id claim")
	ttl := fs.Duration("ttl", 0, "lifetime (default: auth.builtin.access_token_ttl)")
	aud := fs.String("aud", "", "audience (default: the MCP endpoint URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if !cfg.Dev && cfg.Auth.Builtin.KeyFile == "" {
		return errors.New("token: refusing to mint outside development mode without auth.builtin.key_file")
	}
	if cfg.Auth.Mode != "builtin" {
		return errors.New("auth.mode: token mints only for the built-in issuer")
	}
	sys, err := build(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer sys.close()
	life := *ttl
	if life == 0 {
		life = cfg.Auth.Builtin.AccessTokenTTL
	}
	audience := *aud
	if audience == "" {
		audience = cfg.MCPURL()
	}
	t := now()
	tok, err := sys.issuer.IssueAccessToken(ctx, domain.AccessTokenClaims{
		Issuer: cfg.Issuer(), Subject: *sub, Audience: []string{audience}, ClientID: *clientID,
		Scopes: domain.ParseScopes(*scope), TokenID: fmt.Sprintf("cli-%d", t.UnixNano()), IssuedAt: t, ExpiresAt: t.Add(life),
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// now is the wall clock, injected into use cases as their ports.Clock.
func now() time.Time { return time.Now() }
