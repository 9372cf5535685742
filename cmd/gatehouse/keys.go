package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"gatehouse/config"
)

func runKeys(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: gatehouse keys rotate [flags]")
	}
	cfg, err := config.Load(args[1:], env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.Store.Driver == "memory" && keyFilePath(cfg) == "" {
		return errors.New("store.driver: keys rotate needs keys that outlive this command: a shared store (redis or postgres) or auth.builtin.key_file")
	}
	sys, err := build(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer sys.close()
	b := cfg.Auth.Builtin
	k, err := sys.keys.Rotate(ctx, b.AccessTokenTTL+time.Minute)
	if err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	fmt.Fprintf(stdout, "new signing key %s (%s); the previous key stays published for %s\n", k.ID, k.Algorithm, b.AccessTokenTTL+time.Minute)
	return nil
}
