package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
)

// mcpHTTPGroup: tools/call whoami through Gatehouse with a valid bearer
// token, signed ES256 and RS256, against the bare go-sdk server.
func mcpHTTPGroup(era string) groupDef {
	prefix := "mcp/" + era + "/"
	return groupDef{
		name:      "tools/call whoami over HTTP, " + era,
		scenarios: []string{prefix + "es256", prefix + "rs256"},
		build: func(_ context.Context, h *harness) (group, error) {
			workers := h.opts.concurrency
			steps := func(ctx context.Context, t mcpTarget, c *http.Client) ([]step, func(), error) {
				if era == legacyProtocol {
					return legacySessions(ctx, t, c, workers)
				}
				return same(t.modernStep(c, "whoami", "{}", nil, toolResult), workers), noStop, nil
			}
			floor := h.bareFloor(prefix+"floor", "bare go-sdk Streamable HTTP, no auth", workers,
				func(ctx context.Context, url string, c *http.Client) ([]step, func(), error) {
					return steps(ctx, mcpTarget{URL: url + "/mcp"}, c)
				})
			gatehouse := func(alg string) *member {
				return h.onServer(prefix+strings.ToLower(alg), "Gatehouse, "+alg+" bearer", "req", serverSpec{Alg: alg, Store: "memory"}, workers,
					func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
						tok, err := s.mint(ctx, h, "alice", "read write")
						if err != nil {
							return nil, nil, err
						}
						return steps(ctx, mcpTarget{URL: s.URL + "/mcp", Bearer: tok}, c)
					})
			}
			sessions := "stateless POSTs"
			if era == legacyProtocol {
				sessions = "one session per worker"
			}
			return group{
				Name:    "tools/call whoami over HTTP, " + era,
				Note:    sessions + "; memory store; the floor serves the same tool with the same SDK options and no auth",
				Members: keep(h.opts.scenarios, floor, gatehouse("ES256"), gatehouse("RS256")),
			}, nil
		},
	}
}

// rejectGroup: refusals measured against a success on the same server. A
// forged token must cost less than a real call, or a flood of them
// starves real users.
func rejectGroup() groupDef {
	return groupDef{
		name:      "rejections vs success",
		scenarios: []string{"reject/401-forged", "reject/401-malformed", "reject/403-denied"},
		build: func(_ context.Context, h *harness) (group, error) {
			workers := h.opts.concurrency
			spec := serverSpec{Alg: "ES256", Store: "memory"}
			success := h.onServer("reject/200-whoami", "200: alice calls whoami (the baseline)", "req", spec, workers,
				func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					tok, err := s.mint(ctx, h, "alice", "read write")
					if err != nil {
						return nil, nil, err
					}
					t := mcpTarget{URL: s.URL + "/mcp", Bearer: tok}
					return same(t.modernStep(c, "whoami", "{}", nil, toolResult), workers), noStop, nil
				})
			success.Floor = true
			forged := h.onServer("reject/401-forged", "401: forged token (real header and claims, fresh jti, random signature)", "req", spec, workers,
				func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					tok, err := s.mint(ctx, h, "alice", "read write")
					if err != nil {
						return nil, nil, err
					}
					f, err := newForger(tok)
					if err != nil {
						return nil, nil, err
					}
					t := mcpTarget{URL: s.URL + "/mcp"}
					return same(t.modernStep(c, "whoami", "{}", f.next, wantStatus(http.StatusUnauthorized)), workers), noStop, nil
				})
			malformed := h.onServer("reject/401-malformed", "401: malformed bearer (not a JWT)", "req", spec, workers,
				func(_ context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					t := mcpTarget{URL: s.URL + "/mcp", Bearer: "not-a-jwt"}
					return same(t.modernStep(c, "whoami", "{}", nil, wantStatus(http.StatusUnauthorized)), workers), noStop, nil
				})
			denied := h.onServer("reject/403-denied", "403: bob (read) calls grants_revoke (write)", "req", spec, workers,
				func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					tok, err := s.mint(ctx, h, "bob", "read")
					if err != nil {
						return nil, nil, err
					}
					t := mcpTarget{URL: s.URL + "/mcp", Bearer: tok}
					return same(t.modernStep(c, "grants_revoke", `{"grant_id":"none"}`, nil, wantStatus(http.StatusForbidden)), workers), noStop, nil
				})
			return group{
				Name: "rejections vs success, " + modernProtocol,
				Note: "the reference is a successful tools/call on the same server (ES256, memory store); " +
					"rejections should show req/s above 1x and CPU/op below 1x of it",
				Members: keep(h.opts.scenarios, success, forged, malformed, denied),
				Cheaper: true,
			}, nil
		},
	}
}

// stdioGroup: tools/call whoami through `gatehouse stdio` against a bare
// go-sdk stdio server (this program in its bare-stdio mode). All workers
// share the one session a stdio server has.
func stdioGroup(era string) groupDef {
	name := "stdio/" + era
	return groupDef{
		name:      "tools/call whoami over stdio, " + era,
		scenarios: []string{name},
		build: func(_ context.Context, h *harness) (group, error) {
			workers := h.opts.stdioConcurrency
			version := era
			open := func(ctx context.Context, cmd *exec.Cmd, floor bool) ([]step, probe, func(), error) {
				stderr := &tail{max: 16 << 10}
				cmd.Stderr = stderr
				conn, err := openStdio(ctx, cmd, version)
				if err != nil {
					return nil, probe{}, nil, fmt.Errorf("%w\n%s", err, stderr)
				}
				p := probe{PID: conn.PID}
				if floor {
					p.Mallocs = conn.mallocs
				}
				return same(conn.whoami, workers), p, conn.close, nil
			}
			floor := &member{
				Name: name + "/floor", Label: "bare go-sdk stdio server", Floor: true, Unit: "req", Workers: workers,
				Prepare: func(ctx context.Context) ([]step, probe, func(), error) {
					self, err := os.Executable()
					if err != nil {
						return nil, probe{}, nil, err
					}
					cmd := exec.Command(self, "bare-stdio")
					cmd.Env = h.childEnv(nil)
					return open(ctx, cmd, true)
				},
			}
			gatehouse := &member{
				Name: name, Label: "gatehouse stdio, ES256 token", Unit: "req", Workers: workers,
				Prepare: func(ctx context.Context) ([]step, probe, func(), error) {
					s, err := h.server(ctx, serverSpec{Alg: "ES256", Store: "memory"})
					if err != nil {
						return nil, probe{}, nil, err
					}
					tok, err := s.mint(ctx, h, "alice", "read write")
					if err != nil {
						return nil, probe{}, nil, err
					}
					cmd := exec.Command(h.bin, "stdio")
					cmd.Env = h.childEnv(append(append([]string(nil), s.Env...), "GATEHOUSE_TOKEN="+tok))
					return open(ctx, cmd, false)
				},
			}
			return group{
				Name:    "tools/call whoami over stdio, " + era,
				Note:    "one process and one session each, shared by the workers; the client is the go-sdk's",
				Members: keep(h.opts.scenarios, floor, gatehouse),
			}, nil
		},
	}
}
