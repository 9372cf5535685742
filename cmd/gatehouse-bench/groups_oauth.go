package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/sync/errgroup"
)

// clientCredentialsGroup: POST /auth/token client_credentials against a
// bare HTTP handler making the same store round trips.
func clientCredentialsGroup(store string) groupDef {
	name := "token/cc/" + store
	return groupDef{
		name:      "POST /auth/token client_credentials, " + store,
		scenarios: []string{name},
		store:     store,
		build: func(_ context.Context, h *harness) (group, error) {
			if err := h.storeReady(store); err != nil {
				return group{}, err
			}
			workers := h.opts.concurrency
			floor := h.bareFloor(name+"/floor", "bare handler: "+ccRoundTrips[store], workers,
				func(_ context.Context, u string, c *http.Client) ([]step, func(), error) {
					return same(clientCredentialsStep(c, u+"/floor/token/"+store, "demo-service", "demo-service-secret"), workers), noStop, nil
				})
			gatehouse := h.onServer(name, "Gatehouse, demo-service (Basic), ES256", "req", serverSpec{Alg: "ES256", Store: store}, workers,
				func(_ context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					return same(clientCredentialsStep(c, s.URL+"/auth/token", "demo-service", "demo-service-secret"), workers), noStop, nil
				})
			return group{
				Name:    "POST /auth/token client_credentials, " + store + " store",
				Note:    "floor: " + ccRoundTrips[store] + " behind net/http, a fixed token in the answer (no signing)",
				Members: keep(h.opts.scenarios, floor, gatehouse),
			}, nil
		},
	}
}

// What the floors do per request, by store (see floorStore).
var (
	ccRoundTrips = map[string]string{
		"memory":   "one client read from a map under a mutex",
		"redis":    "one HGET of the client (go-redis)",
		"postgres": "one SELECT of the client by key (pgx, simple protocol)",
	}
	refreshRoundTrips = map[string]string{
		"memory":   "client, token and grant reads and the rotation in maps under a mutex",
		"redis":    "HGET client, HMGET token, HMGET grant, EVALSHA rotate-and-store-successor (go-redis)",
		"postgres": "SELECT client, SELECT token, SELECT grant, one UPDATE…INSERT rotation statement (pgx, simple protocol)",
	}
)

// storeReady says why a store cannot be measured.
func (h *harness) storeReady(store string) error {
	switch {
	case store == "redis" && h.redis == nil:
		return errors.New("redis is not available")
	case store == "postgres" && h.postgres == nil:
		return errors.New("postgres is not available")
	}
	return nil
}

// refreshGroup: refresh_token rotation, every worker rotating its own chain
// of tokens, against a bare handler making the rotation's round trips.
func refreshGroup(store string) groupDef {
	name := "token/refresh/" + store
	return groupDef{
		name:      "POST /auth/token refresh_token, " + store,
		scenarios: []string{name},
		store:     store,
		build: func(_ context.Context, h *harness) (group, error) {
			if err := h.storeReady(store); err != nil {
				return group{}, err
			}
			workers := h.opts.concurrency
			floor := h.bareFloor(name+"/floor", "bare handler: "+refreshRoundTrips[store], workers,
				func(ctx context.Context, u string, c *http.Client) ([]step, func(), error) {
					steps := make([]step, workers)
					for i := range steps {
						req, err := postForm(ctx, c, u+"/floor/refresh/"+store+"/seed", url.Values{}, nil)
						if err != nil {
							return nil, nil, err
						}
						tr, err := tokenExchange(c, req)
						if err != nil {
							return nil, nil, fmt.Errorf("seed: %w", err)
						}
						steps[i] = refreshStep(c, u+"/floor/refresh/"+store, floorClientID, tr.RefreshToken)
					}
					return steps, noStop, nil
				})
			gatehouse := h.onServer(name, "Gatehouse, demo-client (public), ES256", "req", serverSpec{Alg: "ES256", Store: store}, workers,
				func(ctx context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					fc := flowClient{base: s.URL, resource: s.URL + "/mcp", user: "alice", rt: c.Transport}
					steps := make([]step, workers)
					// A few flows at a time: each login hashes a password
					// with 19 MiB of memory.
					eg, gctx := errgroup.WithContext(ctx)
					eg.SetLimit(h.opts.flowConcurrency)
					for i := range steps {
						eg.Go(func() error {
							res, err := fc.run(gctx, "demo-client")
							if err != nil {
								return fmt.Errorf("code flow for a refresh token: %w", err)
							}
							if res.Token.RefreshToken == "" {
								return errors.New("code flow gave no refresh token")
							}
							steps[i] = refreshStep(c, s.URL+"/auth/token", "demo-client", res.Token.RefreshToken)
							return nil
						})
					}
					if err := eg.Wait(); err != nil {
						return nil, nil, err
					}
					return steps, noStop, nil
				})
			return group{
				Name:    "POST /auth/token refresh_token rotation, " + store + " store",
				Note:    "each worker rotates its own token chain; floor: " + refreshRoundTrips[store] + " behind net/http",
				Members: keep(h.opts.scenarios, floor, gatehouse),
			}, nil
		},
	}
}

// codeFlowGroup: the whole authorization code flow with PKCE in a fresh
// browser: authorize, login, consent, token. Every flow uses a client
// never seen before (registered between timed runs), so that the consent
// page is shown every time.
func codeFlowGroup() groupDef {
	return groupDef{
		name:      "authorization code flow",
		scenarios: []string{"flow/code"},
		build: func(_ context.Context, h *harness) (group, error) {
			workers := h.opts.flowConcurrency
			flows := func(fc flowClient, client func(context.Context) (string, error)) []step {
				return same(func(ctx context.Context) error {
					id, err := client(ctx)
					if err != nil {
						return err
					}
					res, err := fc.run(ctx, id)
					if err == nil && !res.Consented {
						err = errors.New("the server skipped the consent page")
					}
					return err
				}, workers)
			}
			floor := h.bareFloor("flow/code/floor", "bare handlers: the 4 exchanges, maps, one argon2id (19 MiB, t=2)", workers,
				func(_ context.Context, u string, c *http.Client) ([]step, func(), error) {
					fc := flowClient{base: u + "/flow", resource: u + "/mcp", user: "alice", rt: c.Transport}
					return flows(fc, func(context.Context) (string, error) { return floorClientID, nil }), noStop, nil
				})
			floor.Unit = "flow"
			pool := &clientPool{}
			gatehouse := h.onServer("flow/code", "Gatehouse, alice, a new public client each flow", "flow",
				serverSpec{Alg: "ES256", Store: "memory"}, workers,
				func(_ context.Context, s *ghServer, c *http.Client) ([]step, func(), error) {
					pool.c, pool.endpoint = c, s.URL+"/auth/register"
					fc := flowClient{base: s.URL, resource: s.URL + "/mcp", user: "alice", rt: c.Transport}
					return flows(fc, pool.take), noStop, nil
				})
			gatehouse.BeforeRun = func(ctx context.Context, last sample) error {
				return pool.fill(ctx, poolTarget(last.PerSecond(), max(h.opts.duration, h.opts.warmup), workers))
			}
			return group{
				Name:    "authorization code flow (authorize → login → consent → token)",
				Note:    "one operation is a whole flow in a fresh browser (4 requests); memory store, ES256",
				Members: keep(h.opts.scenarios, floor, gatehouse),
				Finish: func() string {
					if pool.inline == 0 {
						return ""
					}
					return fmt.Sprintf("%d flows had to register their client inside the timed run", pool.inline)
				},
			}, nil
		},
	}
}

// poolTarget is how many fresh clients the next run may use: twice what
// the last run's rate would use, at least 64 before anything was measured.
func poolTarget(lastPerSecond float64, d time.Duration, workers int) int {
	n := int(math.Ceil(2*lastPerSecond*d.Seconds())) + workers
	return max(n, 64)
}
