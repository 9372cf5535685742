package external

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/sync/singleflight"

	"gatehouse/domain"
	"gatehouse/ports"
)

const (
	introspectTimeout = 10 * time.Second
	// An active result is reused at most this long, so that a revocation at
	// the provider takes effect within it.
	introspectPositiveTTL = 5 * time.Minute
	// An inactive result is remembered briefly, which bounds how often a
	// client replaying a dead token makes us call the provider.
	introspectNegativeTTL = 30 * time.Second
)

// introResult is a principal, or the reason the token was refused.
type introResult struct {
	principal domain.Principal
	desc      string
}

// introspector verifies opaque tokens by RFC 7662.
type introspector struct {
	v     *Verifier
	cfg   Introspection
	cache *ttlCache[introResult]
	sf    singleflight.Group
}

func newIntrospector(v *Verifier, cfg Introspection) *introspector {
	return &introspector{v: v, cfg: cfg, cache: newTTLCache[introResult](cfg.CacheSize)}
}

func (in *introspector) verify(ctx context.Context, token string, sum tokenKey, now time.Time, tid string) (domain.Principal, error) {
	if r, ok := in.cache.get(sum, now); ok {
		in.v.debug(ctx, tid, "introspect", "cached")
		return r.result()
	}
	ch := in.sf.DoChan(string(sum[:]), func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), introspectTimeout)
		defer cancel()
		r, err := in.introspect(fctx, token)
		if err != nil {
			return nil, err
		}
		t := in.v.cfg.Clock()
		expires := t.Add(introspectNegativeTTL)
		if r.desc == "" {
			expires = t.Add(introspectPositiveTTL)
			if e := r.principal.ExpiresAt; !e.IsZero() && e.Before(expires) {
				expires = e
			}
		}
		in.cache.put(sum, r, expires, t)
		return r, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			in.v.debug(ctx, tid, "introspect", "unavailable")
			return domain.Principal{}, res.Err
		}
		r := res.Val.(introResult)
		outcome := "active"
		if r.desc != "" {
			outcome = r.desc
		}
		in.v.debug(ctx, tid, "introspect", outcome)
		return r.result()
	case <-ctx.Done():
		return domain.Principal{}, fmt.Errorf("external: introspect token: %w: %w", ctx.Err(), ports.ErrUnavailable)
	}
}

func (r introResult) result() (domain.Principal, error) {
	if r.desc != "" {
		return domain.Principal{}, domain.ErrInvalidToken(r.desc)
	}
	return clonePrincipal(r.principal), nil
}

// introspect asks the provider about token. A refusal is a result; an
// endpoint that cannot answer is an error wrapping ports.ErrUnavailable.
func (in *introspector) introspect(ctx context.Context, token string) (introResult, error) {
	u, err := in.endpoint(ctx)
	if err != nil {
		return introResult{}, in.unavailable("", err)
	}
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return introResult{}, in.unavailable(u, errors.New("build request"))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: both halves form-encoded before Basic encoding.
	req.SetBasicAuth(url.QueryEscape(in.cfg.ClientID), url.QueryEscape(in.cfg.ClientSecret))
	resp, err := in.v.cfg.HTTPClient.Do(req)
	if err != nil {
		return introResult{}, in.unavailable(u, stripURL(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBodySize))
		return introResult{}, in.unavailable(u, fmt.Errorf("unexpected status %d", resp.StatusCode))
	}
	body, err := readBody(resp.Body)
	if err != nil {
		return introResult{}, in.unavailable(u, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return introResult{}, in.unavailable(u, errors.New("response is not a JSON object"))
	}
	var active bool
	if err := json.Unmarshal(m["active"], &active); err != nil || !active {
		return introResult{desc: "token is not active"}, nil
	}
	c, err := parseClaims(m, in.v.cfg.ScopeClaim)
	if err == nil {
		var p domain.Principal
		if p, err = in.v.rules.check(c, in.v.cfg.Clock(), true); err == nil {
			return introResult{principal: p}, nil
		}
	}
	var r *rejection
	if errors.As(err, &r) {
		return introResult{desc: r.desc}, nil
	}
	return introResult{desc: "malformed claims"}, nil
}

// endpoint is the configured URL or the discovered introspection_endpoint.
func (in *introspector) endpoint(ctx context.Context) (string, error) {
	if in.cfg.URL != "" {
		return in.cfg.URL, nil
	}
	md, err := in.v.disc.get(ctx)
	if err != nil {
		return "", err
	}
	if md.introspectionEndpoint == "" {
		return "", errors.New("provider metadata has no introspection_endpoint")
	}
	return md.introspectionEndpoint, nil
}

func (in *introspector) unavailable(u string, err error) error {
	where := ""
	if u != "" {
		where = " at " + safeURL(u)
	}
	err = fmt.Errorf("external: failed to introspect token%s: %w: %w", where, err, ports.ErrUnavailable)
	in.v.log.Warn("external: failed to introspect token", slog.String("url", safeURL(u)), slog.Any("error", err))
	return err
}
