package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"gatehouse/adapters/store/keyfile"
	"gatehouse/adapters/token/builtin"
	"gatehouse/config"
	"gatehouse/domain"
	"gatehouse/ports"
)

// runToken mints a signed access token for tests and local tools. It signs
// only with keys meant for that: development mode's key file, or a key file
// named explicitly. With --jwks-out it also writes the matching public key
// set, which an external-mode Gatehouse can trust (auth.external.jwks_file)
// in place of a real identity provider.
func runToken(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	fs := config.Flags()
	sub := fs.String("sub", "alice", "subject (user) the token speaks for")
	scope := fs.String("scope", "read", "space-separated scopes")
	clientID := fs.String("client-id", "gatehouse-cli", "client_id claim")
	ttl := fs.Duration("ttl", 0, "lifetime (default: auth.builtin.access_token_ttl)")
	aud := fs.String("aud", "", "audience (default: the audience this server expects)")
	iss := fs.String("iss", "", "issuer (default: this server's issuer, or auth.external.issuer_url in external mode)")
	keyPath := fs.String("key-file", "", "signing key file, created if missing (default: auth.builtin.key_file, or development mode's)")
	alg := fs.String("alg", "", "algorithm of a newly created key: ES256 or RS256 (default: auth.builtin.signing_alg)")
	jwksOut := fs.String("jwks-out", "", "also write the public JWKS of the key file here")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	path := *keyPath
	if path == "" && cfg.Auth.Builtin.KeyFile != "" {
		path = cfg.Auth.Builtin.KeyFile
	}
	if path == "" && cfg.Dev && cfg.Store.Driver == "memory" {
		path = keyFilePath(cfg)
	}
	if path == "" && !cfg.Dev {
		return errors.New("token: refusing to mint outside development mode without --key-file (or auth.builtin.key_file)")
	}

	issuer, audience := cfg.Issuer(), cfg.MCPURL()
	if cfg.Auth.Mode == "external" {
		issuer, audience = cfg.Auth.External.IssuerURL, cfg.Audience()
	}
	if *iss != "" {
		issuer = *iss
	}
	if *aud != "" {
		audience = *aud
	}
	life := *ttl
	if life == 0 {
		life = cfg.Auth.Builtin.AccessTokenTTL
	}

	var signer ports.TokenIssuer
	var keys *builtin.KeyManager
	if path != "" {
		ks, err := keyfile.Open(path)
		if err != nil {
			return fmt.Errorf("key file: %w", err)
		}
		algorithm := cfg.Auth.Builtin.SigningAlg
		if *alg != "" {
			algorithm = *alg
		}
		keys = builtin.NewKeyManager(ks, builtin.Config{Issuer: issuer, Algorithm: algorithm})
		if err := keys.EnsureKey(ctx); err != nil {
			return fmt.Errorf("signing keys: %w", err)
		}
		signer = builtin.NewIssuer(keys)
	} else {
		// Development mode over a shared store: the server's own keys.
		sys, err := build(ctx, cfg, newLogger(cfg, stderr))
		if err != nil {
			return err
		}
		defer sys.close()
		if sys.issuer == nil {
			return errors.New("token: in external mode, name a key file with --key-file")
		}
		keys, signer = sys.keys, sys.issuer
	}

	t := now()
	tok, err := signer.IssueAccessToken(ctx, domain.AccessTokenClaims{
		Issuer: issuer, Subject: *sub, Audience: []string{audience}, ClientID: *clientID,
		Scopes: domain.ParseScopes(*scope), TokenID: fmt.Sprintf("cli-%d", t.UnixNano()), IssuedAt: t, ExpiresAt: t.Add(life),
	})
	if err != nil {
		return err
	}
	if *jwksOut != "" {
		doc, err := keys.PublicJWKS(ctx)
		if err != nil {
			return fmt.Errorf("jwks: %w", err)
		}
		if err := os.WriteFile(*jwksOut, doc, 0o644); err != nil {
			return fmt.Errorf("jwks-out: %w", err)
		}
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// now is the wall clock, injected into use cases as their ports.Clock.
func now() time.Time { return time.Now() }
