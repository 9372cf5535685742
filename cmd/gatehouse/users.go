package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spf13/pflag"

	"gatehouse/adapters/password"
	"gatehouse/config"
	"gatehouse/domain"
	"gatehouse/ports"
)

const usersUsage = `Usage:
  gatehouse users add USERNAME [--scopes "read write"] [--password-stdin] [--json]
  gatehouse users list [--json]
  gatehouse users disable USERNAME [--json]
  gatehouse users enable USERNAME [--json]
  gatehouse users passwd USERNAME [--password-stdin] [--json]

Manage the people who log in at the built-in authorization server, kept in
the configured store (store.driver redis or postgres). A password is never
an argument: with --password-stdin it is the first line of stdin; on a
terminal it is asked twice (and shown as typed). Only its argon2id hash is
stored. A disabled user cannot log in and their grants stop refreshing.
Users named in auth.builtin.users (and development mode's demo users) come
from the configuration, which wins at login; manage those there.
--scopes must name scopes of auth.builtin.scopes (default "read").
Exit codes: 0 done, 1 failed, 2 usage.
`

// userView is a user as the CLI shows it; never the password hash.
type userView struct {
	Username  string    `json:"username"`
	Scopes    []string  `json:"scopes"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewUser(u domain.User) userView {
	return userView{Username: u.Username, Scopes: append([]string{}, u.Scopes...), Disabled: u.Disabled,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// usersCommand is one parsed `gatehouse users` command line.
type usersCommand struct {
	sub, username string
	scopes        string
	passwordStdin bool
	asJSON        bool
}

func runUsers(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
		fmt.Fprint(stdout, usersUsage)
		return nil
	}
	fs, help := adminCommandFlags(stdout, usersUsage)
	cmd, err := parseUsersCommand(fs, args)
	if *help {
		fmt.Fprint(stdout, usersUsage)
		return nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "%v\n\n%s", err, usersUsage)
		return errUsage
	}
	cfg, err := config.LoadFlagSet(fs, env)
	if err != nil {
		return fmt.Errorf("invalid configuration:\n%w", err)
	}
	var scopes domain.Scopes
	if cmd.sub == "add" {
		if scopes, err = userScopes(cmd.scopes, cfg.Auth.Builtin.Scopes); err != nil {
			fmt.Fprintf(stderr, "%v\n\n%s", err, usersUsage)
			return errUsage
		}
	}
	if cmd.sub == "add" || cmd.sub == "passwd" {
		if !cmd.passwordStdin && !isTerminal(stdin) {
			fmt.Fprintf(stderr, "the password is read from stdin: pass --password-stdin, or run on a terminal to be asked\n\n%s", usersUsage)
			return errUsage
		}
	}
	if cfg.Store.Driver == "memory" {
		return errors.New("store.driver: memory keeps nothing after this command; users need redis or postgres")
	}
	if cfg.Auth.Mode != "builtin" {
		return errors.New("auth.mode: users log in at the built-in authorization server (auth.mode=builtin)")
	}
	if cmd.username != "" && configuredNames(cfg)[cmd.username] {
		return fmt.Errorf("auth.builtin.users: %q is a user of the configuration (or a demo user of development mode), "+
			"which wins over the store at login; manage it there", cmd.username)
	}
	var pw string
	if cmd.sub == "add" || cmd.sub == "passwd" {
		if pw, err = readNewPassword(stdin, stderr, cmd.passwordStdin); err != nil {
			return err
		}
	}

	be, err := openStores(ctx, cfg, newLogger(cfg, stderr), nil)
	if err != nil {
		return err
	}
	defer be.close()
	dir := be.stores.Users
	now := time.Now().UTC()

	switch cmd.sub {
	case "list":
		return listUsers(ctx, dir, cmd.asJSON, stdout)
	case "add":
		hash, err := password.New(password.DefaultParams()).HashPassword(pw)
		if err != nil {
			return fmt.Errorf("hash the password: %w", err)
		}
		u := domain.User{Username: cmd.username, PasswordHash: hash, Scopes: scopes, CreatedAt: now, UpdatedAt: now}
		if err := dir.CreateUser(ctx, u); err != nil {
			if errors.Is(err, ports.ErrAlreadyExists) {
				return fmt.Errorf("user %q already exists (passwd, disable and enable change it)", cmd.username)
			}
			return fmt.Errorf("add user %q: %w", cmd.username, err)
		}
		return reportUser(stdout, cmd.asJSON, u, fmt.Sprintf("added %s (scopes: %s)", u.Username, u.Scopes))
	}

	// disable, enable, passwd: change a stored user.
	u, err := dir.GetUser(ctx, cmd.username)
	if errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("user %q not found in the store", cmd.username)
	}
	if err != nil {
		return fmt.Errorf("get user %q: %w", cmd.username, err)
	}
	var msg string
	switch cmd.sub {
	case "disable", "enable":
		disable := cmd.sub == "disable"
		msg = fmt.Sprintf("%sd %s", cmd.sub, u.Username)
		if u.Disabled == disable {
			msg = fmt.Sprintf("%s was already %sd", u.Username, cmd.sub)
			return reportUser(stdout, cmd.asJSON, u, msg)
		}
		u.Disabled = disable
	default: // passwd
		if u.PasswordHash, err = password.New(password.DefaultParams()).HashPassword(pw); err != nil {
			return fmt.Errorf("hash the password: %w", err)
		}
		msg = "changed the password of " + u.Username
	}
	u.UpdatedAt = now
	if err := dir.UpdateUser(ctx, u); err != nil {
		return fmt.Errorf("update user %q: %w", cmd.username, err)
	}
	return reportUser(stdout, cmd.asJSON, u, msg)
}

// parseUsersCommand checks the command line's shape; values that need the
// configuration are checked later.
func parseUsersCommand(fs *pflag.FlagSet, args []string) (usersCommand, error) {
	var c usersCommand
	fs.StringVar(&c.scopes, "scopes", "read", "space-separated scopes the user may delegate (add)")
	fs.BoolVar(&c.passwordStdin, "password-stdin", false, "read the password from the first line of stdin (add, passwd)")
	fs.BoolVar(&c.asJSON, "json", false, "print JSON")
	if len(args) == 0 {
		return c, errors.New("users: a subcommand is required")
	}
	c.sub = args[0]
	if !slices.Contains([]string{"add", "list", "disable", "enable", "passwd"}, c.sub) {
		return c, fmt.Errorf("users: unknown subcommand %q", c.sub)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return c, err
	}
	rest := fs.Args()
	switch {
	case c.sub == "list" && len(rest) != 0:
		return c, errors.New("users list: takes no arguments")
	case c.sub != "list" && len(rest) != 1:
		return c, fmt.Errorf("users %s: takes exactly one USERNAME", c.sub)
	case fs.Changed("scopes") && c.sub != "add":
		return c, fmt.Errorf("users %s: --scopes is for add", c.sub)
	case c.passwordStdin && c.sub != "add" && c.sub != "passwd":
		return c, fmt.Errorf("users %s: --password-stdin is for add and passwd", c.sub)
	}
	if c.sub != "list" {
		c.username = rest[0]
		if err := validUsername(c.username); err != nil {
			return c, err
		}
	}
	return c, nil
}

// validUsername keeps names to what a login form and a terminal show
// unambiguously.
func validUsername(name string) error {
	switch {
	case name == "":
		return errors.New("USERNAME: must not be empty")
	case len(name) > 128:
		return errors.New("USERNAME: at most 128 bytes")
	case !utf8.ValidString(name):
		return errors.New("USERNAME: must be UTF-8")
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) >= 0:
		return fmt.Errorf("USERNAME: %q has spaces or control characters", name)
	}
	return nil
}

// userScopes parses --scopes: at least one, each a scope the server knows.
func userScopes(raw string, supported []string) (domain.Scopes, error) {
	scopes := domain.ParseScopes(raw)
	if len(scopes) == 0 {
		return nil, errors.New("--scopes: name at least one scope")
	}
	for _, s := range scopes {
		if !slices.Contains(supported, s) {
			return nil, fmt.Errorf("--scopes: %q is not in auth.builtin.scopes (%s)", s, strings.Join(supported, " "))
		}
	}
	return scopes, nil
}

// readNewPassword reads the new password: the first line of stdin, or on a
// terminal, asked twice. Without golang.org/x/term the typing shows.
func readNewPassword(stdin io.Reader, stderr io.Writer, fromStdin bool) (string, error) {
	r := bufio.NewReader(stdin)
	if fromStdin {
		pw, err := readLine(r)
		if err != nil {
			return "", fmt.Errorf("read the password from stdin: %w", err)
		}
		return nonEmpty(pw)
	}
	fmt.Fprint(stderr, "New password: ")
	pw, err := readLine(r)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	fmt.Fprint(stderr, "Repeat it: ")
	again, err := readLine(r)
	if err != nil {
		return "", fmt.Errorf("read the password: %w", err)
	}
	if pw != again {
		return "", errors.New("the passwords differ")
	}
	return nonEmpty(pw)
}

func nonEmpty(pw string) (string, error) {
	if pw == "" {
		return "", errors.New("the password must not be empty")
	}
	return pw, nil
}

// readLine returns one line without its line ending; a last line without
// one counts, an empty input is an error.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no input")
		}
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// isTerminal reports whether r is an interactive terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// configuredNames are the users the configuration fixes; they win over the
// store at login, so the store must not hold users of the same names.
func configuredNames(cfg config.Config) map[string]bool {
	users, _ := configuredUsers(cfg, namesOnly{})
	names := make(map[string]bool, len(users))
	for _, u := range users {
		names[u.Username] = true
	}
	return names
}

// namesOnly lets configuredUsers run without hashing: only the names are
// wanted.
type namesOnly struct{}

func (namesOnly) HashPassword(string) (string, error) { return "-", nil }

func (namesOnly) VerifyPassword(string, string) (bool, error) {
	return false, errors.New("namesOnly verifies nothing")
}

func listUsers(ctx context.Context, dir ports.UserDirectory, asJSON bool, stdout io.Writer) error {
	users, err := dir.ListUsers(ctx)
	if err != nil {
		return fmt.Errorf("list users: %w", err)
	}
	views := make([]userView, 0, len(users))
	for _, u := range users {
		views = append(views, viewUser(u))
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(views)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USERNAME\tSTATUS\tCREATED\tSCOPES")
	for _, v := range views {
		status := "active"
		if v.Disabled {
			status = "disabled"
		}
		scopes := strings.Join(v.Scopes, ",")
		if scopes == "" {
			scopes = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Username, status, v.CreatedAt.UTC().Format(time.RFC3339), scopes)
	}
	return tw.Flush()
}

// reportUser prints the user as JSON, or msg.
func reportUser(stdout io.Writer, asJSON bool, u domain.User, msg string) error {
	if asJSON {
		return json.NewEncoder(stdout).Encode(viewUser(u))
	}
	_, err := fmt.Fprintln(stdout, msg)
	return err
}
