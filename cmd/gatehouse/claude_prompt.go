package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// interactiveInput reports whether r is an interactive terminal. /dev/null is a
// character device too, and is what a process started without stdin gets.
func interactiveInput(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	if err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(fi, null) {
		return false
	}
	return true
}

// askClaude fills o from the answers read from r. The questions go to w
// (stderr), so stdout carries only the entry.
func askClaude(o *claudeOptions, mcpURL string, r *bufio.Reader, w io.Writer) error {
	q := prompter{r: r, w: w}
	err := q.ask("Connect over stdio or remote (HTTP with OAuth)? [stdio/remote] (stdio): ", func(s string) error {
		switch strings.ToLower(s) {
		case "", "s", "stdio":
			o.remote = false
		case "r", "remote":
			o.remote = true
		default:
			return errors.New("answer stdio or remote")
		}
		return nil
	})
	if err != nil {
		return err
	}
	if o.remote {
		err = q.ask("MCP URL ("+mcpURL+"): ", func(s string) error {
			o.url = s
			if s == "" {
				return nil
			}
			return checkClaudeURL(s)
		})
	} else {
		err = q.yesNo("Enable OAuth2 with an external issuer? [y/N]: ", &o.oauth)
	}
	if err != nil {
		return err
	}
	if o.oauth {
		questions := []struct {
			q     string
			check func(string) error
		}{
			{"Issuer URL: ", func(s string) error {
				o.issuer = s
				if s == "" {
					return errors.New("the issuer URL is required")
				}
				return checkClaudeURL(s)
			}},
			{"Audience (empty: none): ", func(s string) error { o.audience = s; return nil }},
			{"Required scopes, comma or space separated (empty: none): ", func(s string) (err error) {
				o.scopes, err = claudeScopes(s)
				return err
			}},
		}
		for _, x := range questions {
			if err := q.ask(x.q, x.check); err != nil {
				return err
			}
		}
	}
	if path, perr := claudeConfigPath(); perr == nil {
		return q.yesNo("Write the entry to "+path+"? [y/N]: ", &o.write)
	}
	return nil
}

// prompter asks one question at a time and asks again after an answer the
// check refuses.
type prompter struct {
	r *bufio.Reader
	w io.Writer
}

func (p prompter) ask(question string, check func(answer string) error) error {
	for {
		fmt.Fprint(p.w, question)
		line, err := p.r.ReadString('\n')
		if err != nil && (!errors.Is(err, io.EOF) || line == "") {
			fmt.Fprintln(p.w)
			return errors.New("config claude: input ended before every question was answered")
		}
		cerr := check(strings.TrimSpace(line))
		if cerr == nil {
			return nil
		}
		fmt.Fprintln(p.w, "  "+cerr.Error())
		if err != nil { // the last line was refused and nothing follows
			return cerr
		}
	}
}

func (p prompter) yesNo(question string, v *bool) error {
	return p.ask(question, func(s string) error {
		switch strings.ToLower(s) {
		case "", "n", "no":
			*v = false
		case "y", "yes":
			*v = true
		default:
			return errors.New("answer y or n")
		}
		return nil
	})
}
