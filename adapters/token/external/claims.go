package external

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"strings"
	"time"

	"gatehouse/domain"
)

// rejection is a verification failure with a description safe to show;
// the cause is for logs only.
type rejection struct {
	desc  string
	cause error
}

func (r *rejection) Error() string { return r.desc }
func (r *rejection) Unwrap() error { return r.cause }

func reject(desc string) error { return &rejection{desc: desc} }

func wrapRejection(desc string, cause error) error { return &rejection{desc: desc, cause: cause} }

// claimSet is what the verifier reads from a JWT payload or an
// introspection response; both use the RFC 7519 claim names.
type claimSet struct {
	iss, sub, jti    string
	hasIss           bool
	aud              []string
	hasAud           bool
	exp, nbf, iat    *time.Time
	clientID         string
	name, email      string
	scopes           domain.Scopes
	tokenTypeRefresh bool
}

// parseClaims reads the claims from a JSON object. Keys match exactly
// (encoding/json's case-insensitive struct matching would let "ISS" stand
// in for "iss"). Standard claims of the wrong type make the token
// malformed; profile claims of the wrong type are ignored.
func parseClaims(m map[string]json.RawMessage, scopeClaim string) (claimSet, error) {
	var c claimSet
	var err error
	str := func(name string) string {
		if err != nil {
			return ""
		}
		raw, ok := m[name]
		if !ok || isNull(raw) {
			return ""
		}
		s, ok := jsonString(raw)
		if !ok {
			err = reject("malformed claims")
		}
		return s
	}
	c.iss = str("iss")
	_, c.hasIss = m["iss"]
	c.sub = str("sub")
	c.jti = str("jti")
	for _, name := range []string{"client_id", "azp", "cid", "appid"} {
		if s, _ := jsonString(m[name]); s != "" {
			c.clientID = s
			break
		}
	}
	c.name, _ = jsonString(m["name"])
	c.email, _ = jsonString(m["email"])
	if tt, _ := jsonString(m["token_type"]); strings.EqualFold(tt, "refresh_token") {
		c.tokenTypeRefresh = true
	}
	if err != nil {
		return claimSet{}, err
	}
	if raw, ok := m["aud"]; ok && !isNull(raw) {
		if c.aud, err = stringOrList(raw); err != nil {
			return claimSet{}, reject("malformed claims")
		}
		c.hasAud = true
	}
	for _, d := range []struct {
		name string
		dst  **time.Time
	}{{"exp", &c.exp}, {"nbf", &c.nbf}, {"iat", &c.iat}} {
		raw, ok := m[d.name]
		if !ok || isNull(raw) {
			continue
		}
		t, err := numericDate(raw)
		if err != nil {
			return claimSet{}, reject("malformed claims")
		}
		*d.dst = &t
	}
	var tokens []string
	for _, name := range []string{"scope", "scp", scopeClaim} {
		raw, ok := m[name]
		if name == "" || !ok || isNull(raw) {
			continue
		}
		// A string is space-delimited (RFC 6749 §3.3); an array holds one
		// scope per element, and an element with a space is no scope.
		if s, ok := jsonString(raw); ok {
			tokens = append(tokens, strings.Fields(s)...)
			continue
		}
		vals, err := stringOrList(raw)
		if err != nil {
			return claimSet{}, reject("malformed claims")
		}
		tokens = append(tokens, vals...)
	}
	c.scopes = validScopes(tokens)
	return c, nil
}

// validScopes keeps the tokens RFC 6749 §3.3 allows, so that odd provider
// values cannot smuggle separators into our scope sets.
func validScopes(tokens []string) domain.Scopes {
	out := tokens[:0]
	for _, t := range tokens {
		if domain.ValidScopeToken(t) {
			out = append(out, t)
		}
	}
	return domain.NewScopes(out...)
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// stringOrList decodes a string or an array of strings (aud, scp and the
// configured scope claim all come in both shapes).
func stringOrList(raw json.RawMessage) ([]string, error) {
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return nil, errors.New("must be a string or an array of strings")
	}
	return many, nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are rejected rather
// than overflowing time.Time arithmetic.
const maxNumericDate = 253402300799

// numericDate decodes RFC 7519 NumericDate: seconds since the epoch,
// possibly fractional.
func numericDate(raw json.RawMessage) (time.Time, error) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return time.Time{}, errors.New("date claim must be a number")
	}
	if f < 0 || f > maxNumericDate || math.IsNaN(f) {
		return time.Time{}, errors.New("date claim out of range")
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

// claimRules are the checks applied to every claim set.
type claimRules struct {
	issuer, audience                      string
	validateIss, validateAud, validateExp bool
	leeway                                time.Duration
}

// check applies the rules in a fixed order. An introspection response may
// omit iss and exp (RFC 7662 §2.2: active is authoritative), a JWT may not.
func (r claimRules) check(c claimSet, now time.Time, introspected bool) (domain.Principal, error) {
	switch {
	case r.validateIss && !(introspected && !c.hasIss) && c.iss != r.issuer:
		return domain.Principal{}, reject("wrong issuer")
	case r.validateAud && !audienceMatches(c.aud, r.audience):
		return domain.Principal{}, reject("wrong audience")
	case r.validateExp && c.exp == nil && !introspected:
		return domain.Principal{}, reject("missing exp")
	case r.validateExp && c.exp != nil && !now.Before(c.exp.Add(r.leeway)):
		return domain.Principal{}, reject("token expired")
	case c.nbf != nil && now.Add(r.leeway).Before(*c.nbf):
		return domain.Principal{}, reject("token not yet valid")
	case c.iat != nil && now.Add(r.leeway).Before(*c.iat):
		return domain.Principal{}, reject("token issued in the future")
	case c.tokenTypeRefresh:
		return domain.Principal{}, reject("not an access token")
	case c.sub == "":
		return domain.Principal{}, reject("missing subject")
	}
	p := domain.Principal{
		Subject:  c.sub,
		ClientID: c.clientID,
		Scopes:   c.scopes,
		Audience: c.aud,
		Issuer:   c.iss,
		TokenID:  c.jti,
		Name:     c.name,
		Email:    c.email,
	}
	if c.iat != nil {
		p.IssuedAt = *c.iat
	}
	if c.exp != nil {
		p.ExpiresAt = *c.exp
	}
	return p, nil
}

// audienceMatches reports whether want is among aud, comparing URLs in
// their canonical form.
func audienceMatches(aud []string, want string) bool {
	w := canonicalResource(want)
	for _, a := range aud {
		if canonicalResource(a) == w {
			return true
		}
	}
	return false
}

// canonicalResource normalises a resource URI for comparison only: scheme
// and host are case-insensitive and an empty path is "/" (RFC 3986 §6.2.2,
// RFC 8707). Anything that is not an absolute URL compares as given.
func canonicalResource(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return s
	}
	u.Scheme = strings.ToLower(u.Scheme)
	u.Host = strings.ToLower(u.Host)
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	return u.String()
}
