package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// Environment of the hidden bare-http mode. Connection strings travel in
// the environment, not in arguments that any user may list.
const (
	envFloorRedisURL    = "GATEHOUSE_BENCH_FLOOR_REDIS_URL"
	envFloorRedisPrefix = "GATEHOUSE_BENCH_FLOOR_REDIS_PREFIX"
	envFloorPostgresDSN = "GATEHOUSE_BENCH_FLOOR_POSTGRES_DSN"
)

// accessTokenBlob stands in for a signed access token in floor responses:
// the length of a Gatehouse ES256 token, so that the bytes on the wire are
// alike. Floors sign nothing.
var accessTokenBlob = strings.Repeat("x", 620)

// runBareHTTP is the hidden `bare-http` mode: every HTTP floor in one
// process, on a loopback address, until ctx ends.
func runBareHTTP(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("bare-http", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:0", "loopback address to serve on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if host, _, err := net.SplitHostPort(*listen); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("bare-http: -listen %q: want a loopback address", *listen)
	}
	stores := map[string]floorStore{"memory": newMemoryFloor()}
	defer func() {
		for _, s := range stores {
			_ = s.Close()
		}
	}()
	if u := os.Getenv(envFloorRedisURL); u != "" {
		s, err := newRedisFloor(ctx, u, os.Getenv(envFloorRedisPrefix))
		if err != nil {
			return err
		}
		stores["redis"] = s
	}
	if dsn := os.Getenv(envFloorPostgresDSN); dsn != "" {
		s, err := newPostgresFloor(ctx, dsn)
		if err != nil {
			return err
		}
		stores["postgres"] = s
	}

	srv := &http.Server{
		Handler:           floorMux(stores, slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
		ReadHeaderTimeout: 10 * time.Second,
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("bare-http: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("bare-http: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// floorMux routes every floor: /mcp (go-sdk), /floor/token/{store} and
// /floor/refresh/{store} (store round trips), /flow/auth/… (the code flow),
// and the harness' /healthz and /_bench/memstats.
func floorMux(stores map[string]floorStore, log *slog.Logger) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /_bench/memstats", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, memstatsOut{Mallocs: mallocs()})
	})
	mux.Handle("/mcp", bareMCPHandler())
	newFlowFloor().routes(mux, "/flow")

	store := func(w http.ResponseWriter, r *http.Request) (floorStore, bool) {
		s, ok := stores[r.PathValue("store")]
		if !ok {
			writeJSONError(w, http.StatusNotFound, "no such store")
		}
		return s, ok
	}
	mux.HandleFunc("POST /floor/token/{store}", func(w http.ResponseWriter, r *http.Request) {
		s, ok := store(w, r)
		if !ok {
			return
		}
		id, secret, basic := r.BasicAuth()
		if !basic || secret == "" || r.PostFormValue("grant_type") != "client_credentials" {
			writeJSONError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		if err := s.Client(r.Context(), id); err != nil {
			log.Warn("floor token", "error", err)
			writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
			return
		}
		writeJSON(w, http.StatusOK, tokenResponse{AccessToken: accessTokenBlob, TokenType: "Bearer", ExpiresIn: 900, Scope: "read"})
	})
	mux.HandleFunc("POST /floor/refresh/{store}", func(w http.ResponseWriter, r *http.Request) {
		s, ok := store(w, r)
		if !ok {
			return
		}
		next, err := s.Rotate(r.Context(), r.PostFormValue("refresh_token"))
		if errors.Is(err, errReused) {
			writeJSONError(w, http.StatusBadRequest, "invalid_grant")
			return
		}
		if err != nil {
			log.Warn("floor refresh", "error", err)
			writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
			return
		}
		writeTokenResponse(w, next)
	})
	mux.HandleFunc("POST /floor/refresh/{store}/seed", func(w http.ResponseWriter, r *http.Request) {
		s, ok := store(w, r)
		if !ok {
			return
		}
		raw, err := s.Seed(r.Context())
		if err != nil {
			log.Warn("floor seed", "error", err)
			writeJSONError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
			return
		}
		writeTokenResponse(w, raw)
	})
	return mux
}

// tokenResponse is the token endpoint's answer (RFC 6749 §5.1), as both
// Gatehouse and the floors write it and the harness reads it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

func writeTokenResponse(w http.ResponseWriter, refresh string) {
	writeJSON(w, http.StatusOK, tokenResponse{
		AccessToken: accessTokenBlob, TokenType: "Bearer", ExpiresIn: 900, RefreshToken: refresh, Scope: "read write",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeJSONError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}
