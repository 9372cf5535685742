package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"gatehouse/config"
)

// runConfig handles `gatehouse config claude [--remote]`: it prints the
// mcpServers entry that connects Claude Desktop (or any client using the same
// file format) to this server, over stdio (the default) or remotely over
// Streamable HTTP with OAuth.
func runConfig(_ context.Context, args, env []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "claude" {
		return errors.New("usage: gatehouse config claude [--remote] [--name NAME]")
	}
	fs := config.Flags()
	remote := fs.Bool("remote", false, "connect over HTTP with OAuth instead of stdio")
	name := fs.String("name", "gatehouse", "server name in mcpServers")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	var entry map[string]any
	if *remote {
		// Claude Desktop reaches remote servers through the mcp-remote bridge,
		// which runs the OAuth flow against the server's discovery documents.
		entry = map[string]any{"command": "npx", "args": []string{"-y", "mcp-remote", cfg.MCPURL()}}
	} else {
		bin, err := os.Executable()
		if err != nil {
			bin = "gatehouse"
		}
		args := []string{"stdio"}
		if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
			args = append(args, "--config", f.Value.String())
		}
		entry = map[string]any{"command": bin, "args": args, "env": map[string]string{"GATEHOUSE_TOKEN": "<access token: gatehouse token --sub YOU --scope read>"}}
	}
	out, err := json.MarshalIndent(map[string]any{"mcpServers": map[string]any{*name: entry}}, "", "  ")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(out))
	return nil
}
