package clientmeta

import (
	"container/list"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatehouse/domain"
)

// result is one fetch outcome: a client or the error to repeat.
type result struct {
	client domain.Client
	err    error
}

// clone gives each caller its own client slices and error value, so that no
// caller can change what the cache hands the next one.
func (r result) clone() result {
	if oe, ok := r.err.(*domain.OAuthError); ok {
		cp := *oe
		r.err = &cp
	}
	c := r.client
	c.RedirectURIs = slices.Clone(c.RedirectURIs)
	c.GrantTypes = slices.Clone(c.GrantTypes)
	c.ResponseTypes = slices.Clone(c.ResponseTypes)
	c.Contacts = slices.Clone(c.Contacts)
	c.Scopes = slices.Clone(c.Scopes)
	return result{client: c, err: r.err}
}

type cacheEntry struct {
	key     string
	res     result
	expires time.Time
}

// cache is a bounded map of fetch results. When full it evicts the entry
// stored longest ago, which is also the one closest to expiry for equal TTLs.
// It is not safe for concurrent use; Fetcher guards it.
type cache struct {
	max   int
	order *list.List // of *cacheEntry, oldest at the front
	items map[string]*list.Element
}

func newCache(max int) *cache {
	return &cache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

func (c *cache) get(key string, now time.Time) (result, bool) {
	el, ok := c.items[key]
	if !ok {
		return result{}, false
	}
	e := el.Value.(*cacheEntry)
	if !now.Before(e.expires) {
		c.remove(el)
		return result{}, false
	}
	return e.res, true
}

// put stores res until now+ttl; a ttl of zero or less stores nothing.
func (c *cache) put(key string, res result, now time.Time, ttl time.Duration) {
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	if ttl <= 0 {
		return
	}
	for c.order.Len() >= c.max {
		c.remove(c.order.Front())
	}
	c.items[key] = c.order.PushBack(&cacheEntry{key: key, res: res, expires: now.Add(ttl)})
}

func (c *cache) remove(el *list.Element) {
	delete(c.items, el.Value.(*cacheEntry).key)
	c.order.Remove(el)
}

func (c *cache) len() int { return c.order.Len() }

// freshness reads Cache-Control: no-store and no-cache mean do not keep,
// max-age overrides def but is capped at limit; anything unparsable falls
// back to def.
func freshness(h http.Header, def, limit time.Duration) time.Duration {
	ttl := def
	for _, v := range h.Values("Cache-Control") {
		for directive := range strings.SplitSeq(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(directive), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				secs, err := strconv.ParseInt(strings.Trim(arg, `"`), 10, 64)
				if err != nil || secs < 0 {
					continue
				}
				ttl = time.Duration(min(secs, int64(limit/time.Second))) * time.Second
			}
		}
	}
	return ttl
}
