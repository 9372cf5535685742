package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"gatehouse/config"
)

const keysUsage = `Usage:
  gatehouse keys rotate [--json]   add a new signing key; the old one stays published until its tokens expire
  gatehouse keys list [--json]     the signing keys in the store or key file, newest first

Works on the keys of the built-in authorization server: in the shared store
(redis, postgres) or auth.builtin.key_file. Running servers pick up a
rotation within auth.builtin.key_reload_interval.
Exit codes: 0 done, 1 failed, 2 usage.
`

// keyView is a signing key as the CLI shows it; never the private key.
type keyView struct {
	KeyID     string     `json:"kid"`
	Algorithm string     `json:"alg"`
	State     string     `json:"state"` // signing, retired (still published) or expired
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func runKeys(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "rotate" && args[0] != "list") {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprint(stdout, keysUsage)
			return nil
		}
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	fs, help := adminCommandFlags(stdout, keysUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args[1:]); err != nil || fs.NArg() > 0 {
		fmt.Fprint(stderr, keysUsage)
		return errUsage
	}
	if *help {
		fmt.Fprint(stdout, keysUsage)
		return nil
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.Store.Driver == "memory" && keyFilePath(cfg) == "" {
		return errors.New("store.driver: keys need a home that outlives this command: a shared store (redis or postgres) or auth.builtin.key_file")
	}
	if cfg.Auth.Mode != "builtin" {
		return errors.New("auth.mode: signing keys belong to the built-in authorization server")
	}
	sys, err := build(ctx, cfg, newLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer sys.close()
	b := cfg.Auth.Builtin

	if args[0] == "rotate" {
		keep := b.AccessTokenTTL + b.Leeway + time.Minute
		k, err := sys.keys.Rotate(ctx, keep)
		if err != nil {
			return fmt.Errorf("rotate: %w", err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(keyView{KeyID: k.ID, Algorithm: k.Algorithm, State: "signing", CreatedAt: k.CreatedAt})
		}
		fmt.Fprintf(stdout, "new signing key %s (%s); the previous key stays published for %s\n", k.ID, k.Algorithm, keep)
		return nil
	}
	keys, err := sys.keyDB.ListKeys(ctx)
	if err != nil {
		return fmt.Errorf("list keys: %w", err)
	}
	now := time.Now()
	views := make([]keyView, 0, len(keys))
	for _, k := range keys {
		state := "signing"
		switch {
		case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
			state = "expired"
		case !k.RetiredAt.IsZero():
			state = "retired"
		}
		views = append(views, keyView{KeyID: k.ID, Algorithm: k.Algorithm, State: state, CreatedAt: k.CreatedAt,
			RetiredAt: optTime(k.RetiredAt), ExpiresAt: optTime(k.ExpiresAt)})
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tALG\tSTATE\tCREATED\tEXPIRES")
	for _, v := range views {
		exp := "-"
		if v.ExpiresAt != nil {
			exp = v.ExpiresAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.KeyID, v.Algorithm, v.State, v.CreatedAt.UTC().Format(time.RFC3339), exp)
	}
	return tw.Flush()
}
