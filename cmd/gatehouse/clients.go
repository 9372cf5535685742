package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"gatehouse/app"
	"gatehouse/config"
	"gatehouse/domain"
)

const clientsUsage = `Usage:
  gatehouse clients create --name NAME [--type public|confidential] [--redirect-uri URI ...] [--scope "read write"] [--json]
  gatehouse clients list [--json]
  gatehouse clients delete CLIENT_ID

Manage OAuth clients in the configured store (store.driver redis or postgres;
built-in mode). create prints the client id and, for a confidential client,
its secret: the only time the secret is shown, since only its hash is kept.
A confidential client without redirect URIs gets client_credentials only.
Exit codes: 0 done, 1 failed, 2 usage.
`

// errUsage: the command line was wrong; main prints the usage and exits 2.
var errUsage = errors.New("usage")

// clientView is a client as the CLI shows it; never the secret's hash.
type clientView struct {
	ClientID     string    `json:"client_id"`
	Name         string    `json:"client_name"`
	Type         string    `json:"client_type"`
	GrantTypes   []string  `json:"grant_types"`
	RedirectURIs []string  `json:"redirect_uris"`
	Scope        string    `json:"scope"`
	CreatedAt    time.Time `json:"created_at"`
}

func viewClient(c domain.Client) clientView {
	kind := "confidential"
	if c.Public() {
		kind = "public"
	}
	return clientView{ClientID: c.ID, Name: c.Name, Type: kind, GrantTypes: c.GrantTypes,
		RedirectURIs: c.RedirectURIs, Scope: c.Scopes.String(), CreatedAt: c.CreatedAt}
}

// adminCommandFlags is the common flag set of the admin commands, with help.
func adminCommandFlags(stdout io.Writer, usage string) (*pflag.FlagSet, *bool) {
	fs := config.Flags()
	help := fs.BoolP("help", "h", false, "show this help")
	fs.Usage = func() { fmt.Fprint(stdout, usage) }
	return fs, help
}

// openAdmin loads the configuration and builds the system for an admin
// command, refusing the memory store, where nothing would outlast it.
func openAdmin(ctx context.Context, fs *pflag.FlagSet, env []string, stderr io.Writer) (*system, error) {
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return nil, fmt.Errorf("invalid configuration:\n%w", err)
	}
	if cfg.Store.Driver == "memory" {
		return nil, errors.New("store.driver: memory keeps nothing after this command; configure redis or postgres")
	}
	if cfg.Auth.Mode != "builtin" {
		return nil, errors.New("auth.mode: clients and keys belong to the built-in authorization server")
	}
	return build(ctx, cfg, newLogger(cfg, stderr))
}

func runClients(ctx context.Context, args, env []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || !slices.Contains([]string{"create", "list", "delete"}, args[0]) {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
			fmt.Fprint(stdout, clientsUsage)
			return nil
		}
		fmt.Fprint(stderr, clientsUsage)
		return errUsage
	}
	fs, help := adminCommandFlags(stdout, clientsUsage)
	asJSON := fs.Bool("json", false, "print JSON")
	name := fs.String("name", "", "client name (create)")
	kind := fs.String("type", "confidential", "public or confidential (create)")
	redirects := fs.StringArray("redirect-uri", nil, "redirect URI, repeatable (create)")
	scope := fs.String("scope", "read", "space-separated scopes the client may be granted (create)")
	if err := fs.Parse(args[1:]); err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, clientsUsage)
		return errUsage
	}
	if *help {
		fmt.Fprint(stdout, clientsUsage)
		return nil
	}
	rest := fs.Args()
	switch {
	case args[0] == "delete" && len(rest) != 1, args[0] != "delete" && len(rest) != 0,
		args[0] == "create" && strings.TrimSpace(*name) == "":
		fmt.Fprint(stderr, clientsUsage)
		return errUsage
	}
	sys, err := openAdmin(ctx, fs, env, stderr)
	if err != nil {
		return err
	}
	defer sys.close()

	switch args[0] {
	case "create":
		reg, err := sys.auth.AdminRegister(ctx, domain.Principal{Subject: "gatehouse-cli", Scopes: domain.NewScopes("admin")},
			app.AdminClientForm{ClientName: *name, RedirectURIs: *redirects, ClientType: *kind, Scope: *scope})
		if err != nil {
			return fmt.Errorf("create client: %w", err)
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(reg)
		}
		fmt.Fprintf(stdout, "client_id: %s\n", reg.ClientID)
		if reg.ClientSecret != "" {
			fmt.Fprintf(stdout, "client_secret: %s\n", reg.ClientSecret)
		}
		return nil
	case "list":
		cs, err := sys.stores.Clients.ListClients(ctx)
		if err != nil {
			return fmt.Errorf("list clients: %w", err)
		}
		views := make([]clientView, 0, len(cs))
		for _, c := range cs {
			views = append(views, viewClient(c))
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(views)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLIENT_ID\tTYPE\tNAME\tGRANTS\tSCOPE")
		for _, v := range views {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", v.ClientID, v.Type, v.Name, strings.Join(v.GrantTypes, ","), v.Scope)
		}
		return tw.Flush()
	default: // delete
		if err := sys.stores.Clients.DeleteClient(ctx, rest[0]); err != nil {
			return fmt.Errorf("delete client %q: %w", rest[0], err)
		}
		fmt.Fprintf(stdout, "deleted %s\n", rest[0])
		return nil
	}
}
