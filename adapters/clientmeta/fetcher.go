// Package clientmeta resolves OAuth Client ID Metadata Documents
// (draft-ietf-oauth-client-id-metadata-document): a client_id that is an
// https URL naming a JSON document describing the client.
package clientmeta

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"gatehouse/domain"
	"gatehouse/ports"
)

const (
	defaultCacheTTL = 5 * time.Minute
	defaultTimeout  = 5 * time.Second
	defaultMaxBytes = 64 << 10
	// maxAgeFactor caps a document's own max-age at this many CacheTTLs.
	maxAgeFactor = 12
	// failureTTL keeps a failing URL from being fetched on every request.
	failureTTL     = 30 * time.Second
	maxCacheSize   = 1000
	maxHeaderBytes = 16 << 10
)

// Config configures a Fetcher. Zero values take the defaults noted.
type Config struct {
	// AllowHosts lists hosts ("host" or "host:port") allowed to resolve to
	// private, loopback or link-local addresses.
	AllowHosts []string
	// AllowHTTP permits http:// URLs, but only for allow-listed hosts (tests,
	// local development).
	AllowHTTP bool
	// CacheTTL is how long a document is kept (default 5m). A document's
	// Cache-Control max-age overrides it, capped at 12×CacheTTL.
	CacheTTL time.Duration
	Timeout  time.Duration // whole fetch, default 5s
	MaxBytes int64         // document size cap, default 64 KiB
	Clock    func() time.Time
	Logger   *slog.Logger
}

// Fetcher fetches, validates and caches metadata documents. It is safe for
// concurrent use; concurrent requests for one URL share a single fetch.
type Fetcher struct {
	cfg       Config
	allow     allowList
	transport *http.Transport
	client    *http.Client
	log       *slog.Logger

	mu       sync.Mutex
	cache    *cache
	inflight map[string]*call
}

var _ ports.ClientMetadataFetcher = (*Fetcher)(nil)

// call is one fetch in progress; done is closed once res is set.
type call struct {
	done    chan struct{}
	res     result
	waiters int // callers sharing the fetch, for tests
}

// New returns a Fetcher. It starts no goroutines of its own; each fetch runs
// in a goroutine bounded by Config.Timeout.
func New(cfg Config) *Fetcher {
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = defaultCacheTTL
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = defaultMaxBytes
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	allow := newAllowList(cfg.AllowHosts)
	transport := &http.Transport{
		Proxy:                  nil, // an environment proxy would bypass the dial guard
		DialContext:            newGuardedDialer(allow, cfg.Timeout).DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxResponseHeaderBytes: maxHeaderBytes,
		MaxIdleConns:           10,
		IdleConnTimeout:        90 * time.Second,
	}
	return &Fetcher{
		cfg:       cfg,
		allow:     allow,
		transport: transport,
		client: &http.Client{
			Transport: transport,
			Timeout:   cfg.Timeout,
			// The draft forbids following redirects; the 3xx itself is
			// reported as an error by fetch.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		log:      log.With("component", "clientmeta"),
		cache:    newCache(maxCacheSize),
		inflight: map[string]*call{},
	}
}

// FetchClient returns the client whose metadata document is at url. Errors
// are *domain.OAuthError invalid_client with a description safe to show; the
// cause is kept for logs. Results, failures included, are cached.
func (f *Fetcher) FetchClient(ctx context.Context, url string) (domain.Client, error) {
	if _, err := f.checkURL(url); err != nil {
		return domain.Client{}, err
	}
	if err := ctx.Err(); err != nil {
		return domain.Client{}, domain.ErrInvalidClient(descFetch).WithCause(err)
	}
	f.mu.Lock()
	if res, ok := f.cache.get(url, f.cfg.Clock()); ok {
		f.mu.Unlock()
		res = res.clone()
		return res.client, res.err
	}
	c, ok := f.inflight[url]
	if !ok {
		c = &call{done: make(chan struct{})}
		f.inflight[url] = c
		// The fetch outlives a caller that gives up, so the others sharing
		// it, and the cache, still get its result.
		go f.run(context.WithoutCancel(ctx), url, c)
	}
	c.waiters++
	f.mu.Unlock()

	select {
	case <-c.done:
		res := c.res.clone()
		return res.client, res.err
	case <-ctx.Done():
		return domain.Client{}, domain.ErrInvalidClient(descFetch).WithCause(ctx.Err())
	}
}

func (f *Fetcher) run(ctx context.Context, url string, c *call) {
	ctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	client, header, err := f.fetch(ctx, url)
	ttl := failureTTL
	if err == nil {
		ttl = freshness(header, f.cfg.CacheTTL, f.cfg.CacheTTL*maxAgeFactor)
	} else {
		f.log.WarnContext(ctx, "client metadata document refused", "client_id", url, "error", err)
	}
	c.res = result{client: client, err: err}

	f.mu.Lock()
	f.cache.put(url, c.res, f.cfg.Clock(), ttl)
	delete(f.inflight, url)
	f.mu.Unlock()
	close(c.done)
}
