// Command loadgen drives a local Gatehouse with a bounded closed-loop load,
// one phase after another, and prints requests per second and latency per
// phase beside a floor phase (GET /healthz). It refuses any target that is
// not on a loopback address. scripts/load.sh builds and runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// maxPhase bounds every phase, so a mistyped flag cannot turn a
// measurement into a long-running load.
const maxPhase = 10 * time.Second

type options struct {
	base         string
	token        string
	clientID     string
	clientSecret string
	concurrency  int
	duration     time.Duration
	phases       []string
}

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	var o options
	fs.StringVar(&o.base, "base", "", "base URL of the server, e.g. http://127.0.0.1:8000 (loopback only)")
	fs.StringVar(&o.token, "token", "", "bearer token for the MCP phases")
	fs.StringVar(&o.clientID, "client-id", "demo-service", "confidential client for the token phase")
	fs.StringVar(&o.clientSecret, "client-secret", "demo-service-secret", "its secret")
	fs.IntVar(&o.concurrency, "c", 8, "concurrent clients")
	fs.DurationVar(&o.duration, "d", 5*time.Second, "duration of each phase (at most 10s)")
	phases := fs.String("phases", "floor,token,call,legacy", "comma-separated phases: floor, token, call, legacy")
	freePort := fs.Bool("freeport", false, "print a free TCP port on 127.0.0.1 and exit")
	wait := fs.Duration("wait", 0, "wait up to this long for GET /readyz to answer 200, then exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *freePort {
		return printFreePort(stdout)
	}
	if err := checkLoopback(o.base); err != nil {
		return err
	}
	o.base = strings.TrimRight(o.base, "/")
	if *wait > 0 {
		return waitReady(ctx, o.base, *wait)
	}
	if o.duration <= 0 || o.duration > maxPhase {
		return fmt.Errorf("-d %s: want more than 0 and at most %s", o.duration, maxPhase)
	}
	if o.concurrency < 1 {
		return fmt.Errorf("-c %d: want at least 1", o.concurrency)
	}
	o.phases = strings.Split(*phases, ",")
	return runPhases(ctx, o, stdout)
}

func runPhases(ctx context.Context, o options, stdout io.Writer) error {
	client := newClient(o.concurrency)
	defer client.CloseIdleConnections()
	var results []result
	for _, name := range o.phases {
		p, err := lookupPhase(name, o)
		if err != nil {
			return err
		}
		r, err := runPhase(ctx, client, p, o.concurrency, o.duration)
		if err != nil {
			return fmt.Errorf("phase %s: %w", name, err)
		}
		results = append(results, r)
	}
	printTable(stdout, results, o)
	return nil
}

// newClient keeps one connection per worker alive across requests, as a
// real client pool would.
func newClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 10 * time.Second,
		Transport: &http.Transport{
			Proxy:               nil,
			MaxIdleConns:        2 * concurrency,
			MaxIdleConnsPerHost: 2 * concurrency,
			DisableCompression:  true,
		},
	}
}

func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("-base %q: want an http(s) URL", base)
	}
	if h := u.Hostname(); h == "localhost" {
		return nil
	} else if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-base %q: only loopback targets are allowed", base)
}

func printFreePort(w io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	_, err = fmt.Fprintln(w, ln.Addr().(*net.TCPAddr).Port)
	return err
}

// waitReady polls /readyz until it answers 200 or the deadline passes.
func waitReady(ctx context.Context, base string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return errors.New("server not ready at " + base + "/readyz")
		case <-tick.C:
		}
	}
}
