package external

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"golang.org/x/sync/singleflight"
)

// metadata is the part of the provider's metadata the verifier uses.
type metadata struct {
	jwksURI               string
	introspectionEndpoint string
}

// discoveryURLs lists where the issuer's metadata may live, in the order
// tried: RFC 8414 §3.1 (well-known inserted between host and path), OIDC
// Discovery §4 (appended to the issuer), then the openid-configuration
// suffix inserted the RFC 8414 way, which some providers serve instead.
func discoveryURLs(issuer string) ([]string, error) {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" {
		return nil, errors.New("issuer is not an absolute URL")
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	root := u.Scheme + "://" + u.Host
	urls := []string{
		root + "/.well-known/oauth-authorization-server" + path,
		strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration",
		root + "/.well-known/openid-configuration" + path,
	}
	if urls[2] == urls[1] {
		urls = urls[:2]
	}
	return urls, nil
}

// discoverer finds and remembers the issuer's metadata.
type discoverer struct {
	issuer string
	client *http.Client
	log    *slog.Logger
	sf     singleflight.Group

	mu sync.Mutex
	md *metadata
}

// get returns the remembered metadata or discovers it.
func (d *discoverer) get(ctx context.Context) (*metadata, error) {
	d.mu.Lock()
	md := d.md
	d.mu.Unlock()
	if md != nil {
		return md, nil
	}
	v, err, _ := d.sf.Do("discover", func() (any, error) {
		md, err := d.discover(ctx)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		d.md = md
		d.mu.Unlock()
		return md, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*metadata), nil
}

// forget drops the remembered metadata so that the next get discovers again,
// in case the provider moved its endpoints.
func (d *discoverer) forget() {
	d.mu.Lock()
	d.md = nil
	d.mu.Unlock()
}

func (d *discoverer) discover(ctx context.Context) (*metadata, error) {
	urls, err := discoveryURLs(d.issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var errs []error
	for _, u := range urls {
		md, err := d.fetch(ctx, u)
		if err == nil {
			return md, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", safeURL(u), err))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("discovery: %w", errors.Join(errs...))
}

// fetch reads one metadata document and refuses it unless it names our
// issuer exactly (RFC 8414 §3.3, OIDC Discovery §4.3): otherwise another
// tenant's document could hand us its keys.
func (d *discoverer) fetch(ctx context.Context, u string) (*metadata, error) {
	body, err := getJSON(ctx, d.client, u)
	if err != nil {
		return nil, err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, errors.New("metadata is not a JSON object")
	}
	iss, _ := jsonString(doc["issuer"])
	if iss != d.issuer {
		d.log.Warn("external: metadata names another issuer; document refused",
			slog.String("url", safeURL(u)), slog.String("issuer", iss))
		return nil, errors.New("metadata issuer does not match")
	}
	md := &metadata{}
	md.jwksURI, _ = jsonString(doc["jwks_uri"])
	md.introspectionEndpoint, _ = jsonString(doc["introspection_endpoint"])
	for _, ep := range []string{md.jwksURI, md.introspectionEndpoint} {
		if ep != "" && !endpointFits(d.issuer, ep) {
			return nil, errors.New("metadata endpoint is not an acceptable URL")
		}
	}
	return md, nil
}

// endpointFits accepts http(s) URLs, and only https when the issuer is https.
func endpointFits(issuer, ep string) bool {
	if checkHTTPURL(ep, true) != nil {
		return false
	}
	return !strings.HasPrefix(issuer, "https:") || strings.HasPrefix(ep, "https:")
}

// jsonString decodes a JSON string; absent or other types give false.
func jsonString(raw json.RawMessage) (string, bool) {
	if raw == nil {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
