// Command gatehouse is an OAuth 2.1-secured MCP server and gateway.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Build information, set with -ldflags "-X main.version=…".
var (
	version = "dev"
	commit  = "unknown"
)

func main() {
	// Per-call cost is dominated by short-lived allocations in the MCP SDK's
	// JSON decoding; measured on 2 cores, GOGC=400 makes a tools/call about
	// 3x faster (docs/performance.md). An explicit GOGC still wins.
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `gatehouse — OAuth 2.1-secured MCP server and gateway

Usage:
  gatehouse serve   [flags]     serve MCP, OAuth, discovery, health and metrics over HTTP
  gatehouse stdio   [flags]     serve MCP over stdin/stdout; the access token comes from GATEHOUSE_TOKEN
  gatehouse token   [--sub S --scope "read write" --ttl 15m]  mint a test token (development mode or a key file)
  gatehouse config claude [--remote]  print a Claude Desktop mcpServers entry for this server
  gatehouse keys rotate|list    add a signing key (the old one stays published until its tokens expire), or list them
  gatehouse clients create|list|delete  manage OAuth clients in the configured store
  gatehouse users add|list|disable|enable|passwd  manage the users who log in, in the configured store
  gatehouse migrate [--status]  apply pending Postgres schema migrations (store.driver=postgres)
  gatehouse version [--json]    print version and build info

Flags (all commands): --config FILE, --dev, --listen ADDR, --base-url URL, --store DRIVER, --log-level LEVEL
Environment: GATEHOUSE_… (use __ between nesting levels, e.g. GATEHOUSE_STORE__DRIVER=redis)
`

// run is the whole program, with its world passed in so tests can drive it.
func run(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = runServe(ctx, args[1:], env, stdout, stderr)
	case "stdio":
		err = runStdio(ctx, args[1:], env, stdin, stdout, stderr)
	case "token":
		err = runToken(ctx, args[1:], env, stdout, stderr)
	case "config":
		err = runConfig(ctx, args[1:], env, stdin, stdout, stderr)
	case "keys":
		err = runKeys(ctx, args[1:], env, stdout, stderr)
	case "clients":
		err = runClients(ctx, args[1:], env, stdout, stderr)
	case "users":
		err = runUsers(ctx, args[1:], env, stdin, stdout, stderr)
	case "migrate":
		err = runMigrate(ctx, args[1:], env, stdout, stderr)
	case "version", "--version", "-v":
		err = runVersion(args[1:], stdout, stderr)
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "gatehouse: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		}
		return 1
	}
	return 0
}

// errReported: the command already told the user what went wrong.
var errReported = errors.New("reported")
