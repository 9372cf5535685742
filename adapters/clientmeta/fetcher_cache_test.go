package clientmeta

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"testing"
	"time"
)

func TestFetchClientCaches(t *testing.T) {
	tests := []struct {
		name         string
		cacheControl string
		fresh, stale time.Duration // still cached after fresh, refetched after stale
	}{
		{"default ttl", "", 5*time.Minute - time.Second, 5 * time.Minute},
		{"max-age shorter", "max-age=60", 59 * time.Second, 60 * time.Second},
		{"max-age longer", "public, max-age=1800", 29 * time.Minute, 30 * time.Minute},
		{"max-age capped at 12 ttl", "max-age=86400", 59 * time.Minute, time.Hour},
		{"no-store", "no-store", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := countingServer(t, false, func(w http.ResponseWriter, r *http.Request) {
				if tt.cacheControl != "" {
					w.Header().Set("Cache-Control", tt.cacheControl)
				}
				serveValid(w, r)
			})
			clk := newFakeClock()
			f := devFetcher(clk)
			url := srv.URL + "/client.json"
			start := clk.Now()
			fetch := func(wantHits int32) {
				t.Helper()
				if _, err := f.FetchClient(t.Context(), url); err != nil {
					t.Fatalf("FetchClient: %v", err)
				}
				if got := hits.Load(); got != wantHits {
					t.Fatalf("at +%v: server hit %d times, want %d", clk.Now().Sub(start), got, wantHits)
				}
			}
			fetch(1)
			if tt.fresh >= 0 {
				clk.Advance(tt.fresh)
				fetch(1)
			}
			clk.Advance(tt.stale - max(tt.fresh, 0))
			fetch(2)
		})
	}
}

func TestFetchClientCachesFailuresBriefly(t *testing.T) {
	srv, hits := countingServer(t, false, http.NotFound)
	clk := newFakeClock()
	f := devFetcher(clk)
	url := srv.URL + "/client.json"
	for _, step := range []struct {
		advance  time.Duration
		wantHits int32
	}{{0, 1}, {29 * time.Second, 1}, {time.Second, 2}} {
		clk.Advance(step.advance)
		_, err := f.FetchClient(t.Context(), url)
		wantInvalidClient(t, err, descFetch)
		if got := hits.Load(); got != step.wantHits {
			t.Fatalf("server hit %d times, want %d", got, step.wantHits)
		}
	}
}

func TestFetchClientReturnsCopies(t *testing.T) {
	srv, _ := countingServer(t, false, serveValid)
	f := devFetcher(newFakeClock())
	url := srv.URL + "/client.json"
	first, err := f.FetchClient(t.Context(), url)
	if err != nil {
		t.Fatalf("FetchClient: %v", err)
	}
	first.RedirectURIs[0] = "https://evil.example/cb"
	second, err := f.FetchClient(t.Context(), url)
	if err != nil {
		t.Fatalf("FetchClient: %v", err)
	}
	if second.RedirectURIs[0] != "https://app.example/cb" {
		t.Errorf("cached client changed to %q by a caller", second.RedirectURIs[0])
	}
}

// waitForWaiters returns once n callers share the fetch of url.
func waitForWaiters(t *testing.T, f *Fetcher, url string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		f.mu.Lock()
		c := f.inflight[url]
		got := 0
		if c != nil {
			got = c.waiters
		}
		f.mu.Unlock()
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers waiting, want %d", got, n)
		}
		runtime.Gosched()
	}
}

func TestFetchClientCollapsesConcurrentFetches(t *testing.T) {
	srv, hits, release := blockingServer(t)
	f := devFetcher(newFakeClock())
	url := srv.URL + "/client.json"

	const n = 20
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := f.FetchClient(t.Context(), url)
			errs <- err
		}()
	}
	waitForWaiters(t, f, url, n)
	close(release)
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("FetchClient: %v", err)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("server hit %d times, want 1", hits.Load())
	}
}

func TestFetchClientCallerGivesUp(t *testing.T) {
	srv, hits, release := blockingServer(t)
	f := devFetcher(newFakeClock())
	url := srv.URL + "/client.json"

	ctx, cancel := context.WithCancel(t.Context())
	errs := make(chan error, 1)
	go func() {
		_, err := f.FetchClient(ctx, url)
		errs <- err
	}()
	waitForWaiters(t, f, url, 1)
	cancel()
	err := <-errs
	wantInvalidClient(t, err, descFetch)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled as cause", err)
	}

	// The abandoned fetch completes and serves the next caller.
	close(release)
	if _, err := f.FetchClient(t.Context(), url); err != nil {
		t.Fatalf("FetchClient: %v", err)
	}
	if hits.Load() != 1 {
		t.Errorf("server hit %d times, want 1", hits.Load())
	}
}
