package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"gatehouse/app"
	"gatehouse/config"
)

// stdioToken reads the access token for stdio mode from the environment,
// with or without a "Bearer " prefix.
func stdioToken(env []string) string {
	var tok string
	for _, name := range []string{"M3_OAUTH2_TOKEN", "GATEHOUSE_TOKEN"} { // later wins
		for _, kv := range env {
			if v, ok := strings.CutPrefix(kv, name+"="); ok && strings.TrimSpace(v) != "" {
				tok = strings.TrimSpace(v)
			}
		}
	}
	if len(tok) > 7 && strings.EqualFold(tok[:7], "bearer ") {
		tok = strings.TrimSpace(tok[7:])
	}
	return tok
}

func runStdio(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	log := newLogger(cfg, stderr) // stdout carries MCP messages only
	token := stdioToken(env)
	if token == "" {
		// The seed's exact wording, which scripts may match on.
		fmt.Fprintln(stderr, "Missing OAuth2 access token (set GATEHOUSE_TOKEN or M3_OAUTH2_TOKEN)")
		return errReported
	}
	sys, err := build(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer sys.close()
	stopBackground := sys.startBackground(ctx)
	defer stopBackground()
	authenticate := func(ctx context.Context) (app.Caller, error) {
		p, err := sys.authn.Authenticate(ctx, token)
		if err != nil {
			return app.Caller{}, err
		}
		return app.Caller{Principal: p, Transport: app.TransportStdio}, nil
	}
	if _, err := authenticate(ctx); err != nil {
		return fmt.Errorf("OAuth2 authentication failed: %w", err)
	}
	tools, err := sys.startTools(ctx)
	if err != nil {
		return err
	}
	defer tools.closeGateway()
	log.Info("serving MCP over stdio")
	if err := tools.server.RunStdio(ctx, stdin, stdout, authenticate); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
