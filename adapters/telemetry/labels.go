package telemetry

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"gatehouse/domain"
)

// Other replaces any label value outside its allow-list or past its cap.
const Other = "other"

// Authentication outcomes.
const (
	AuthOK          = "ok"
	AuthRefused     = "refused"
	AuthUnavailable = "unavailable"
)

// Authentication reasons beyond the OAuth error codes, which are accepted
// as reasons too. ReasonNone goes with AuthOK.
const (
	ReasonNone                = "none"
	ReasonMissingToken        = "missing_token"
	ReasonNotBearer           = "not_bearer"
	ReasonMalformed           = "malformed"
	ReasonWrongTokenType      = "wrong_token_type"
	ReasonAlgorithmNotAllowed = "algorithm_not_allowed"
	ReasonUnsupportedHeader   = "unsupported_header"
	ReasonMissingKeyID        = "missing_kid"
	ReasonUnknownKey          = "unknown_key"
	ReasonBadSignature        = "bad_signature"
	ReasonWrongIssuer         = "wrong_issuer"
	ReasonWrongAudience       = "wrong_audience"
	ReasonMissingClaim        = "missing_claim"
	ReasonExpired             = "expired"
	ReasonNotYetValid         = "not_yet_valid"
	ReasonRevoked             = "revoked"
	ReasonInactive            = "inactive"
	ReasonUnavailable         = "unavailable"
)

// Tool outcomes, as domain.ToolInvocation records them.
const (
	ToolOK          = "ok"
	ToolError       = "error"
	ToolDenied      = "denied"
	ToolRateLimited = "rate_limited"
)

// Rate-limit scopes: the tool gate's per-subject limit and the OAuth
// endpoints' per-IP buckets ("oauth_" + the bucket name).
const (
	ScopeTool            = "tool"
	ScopeOAuthAuthorize  = "oauth_authorize"
	ScopeOAuthConsent    = "oauth_consent"
	ScopeOAuthToken      = "oauth_token"
	ScopeOAuthRegister   = "oauth_register"
	ScopeOAuthRevoke     = "oauth_revoke"
	ScopeOAuthIntrospect = "oauth_introspect"
)

// Caps on label values that are not from a fixed list. A tool name or
// route past the count cap is reported as Other; the length cap keeps a
// long name from bloating every scrape.
const (
	maxToolLabels  = 200
	maxRouteLabels = 100
	maxLabelBytes  = 64
	maxRouteBytes  = 128
)

func set(vs ...string) map[string]bool {
	m := make(map[string]bool, len(vs))
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// oauthCodes: RFC 6749 §4.1.2.1/§5.2, RFC 6750 §3.1, RFC 7009 §2.2.1,
// RFC 7591 §3.2.2, RFC 8707 §2, the OIDC prompt errors, and the app's own.
var oauthCodes = set(
	domain.CodeInvalidRequest, domain.CodeInvalidClient, domain.CodeInvalidGrant,
	domain.CodeUnauthorizedClient, domain.CodeUnsupportedGrantType,
	domain.CodeUnsupportedResponseType, domain.CodeInvalidScope, domain.CodeAccessDenied,
	domain.CodeServerError, domain.CodeTemporarilyUnavailable,
	domain.CodeInvalidToken, domain.CodeInsufficientScope,
	domain.CodeUnsupportedTokenType,
	domain.CodeInvalidRedirectURI, domain.CodeInvalidClientMetadata,
	"invalid_software_statement", "unapproved_software_statement",
	domain.CodeInvalidTarget,
	domain.CodeLoginRequired, "consent_required", "interaction_required",
	domain.CodeRateLimited,
)

var authOutcomes = set(AuthOK, AuthRefused, AuthUnavailable)

var authReasons = set(
	ReasonNone, ReasonMissingToken, ReasonNotBearer, ReasonMalformed, ReasonWrongTokenType,
	ReasonAlgorithmNotAllowed, ReasonUnsupportedHeader, ReasonMissingKeyID, ReasonUnknownKey,
	ReasonBadSignature, ReasonWrongIssuer, ReasonWrongAudience, ReasonMissingClaim,
	ReasonExpired, ReasonNotYetValid, ReasonRevoked, ReasonInactive, ReasonUnavailable,
)

var grantTypes = set(domain.GrantAuthorizationCode, domain.GrantRefreshToken, domain.GrantClientCredentials)

var toolOutcomes = set(ToolOK, ToolError, ToolDenied, ToolRateLimited)

var rateScopes = set(
	ScopeTool, ScopeOAuthAuthorize, ScopeOAuthConsent, ScopeOAuthToken,
	ScopeOAuthRegister, ScopeOAuthRevoke, ScopeOAuthIntrospect,
)

var httpMethods = set("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")

// allowed returns v when the list holds it, else Other.
func allowed(list map[string]bool, v string) string {
	if list[v] {
		return v
	}
	return Other
}

func authReason(v string) string {
	if authReasons[v] || oauthCodes[v] {
		return v
	}
	return Other
}

// codeClass maps a status to "1xx".."5xx"; anything else is Other.
func codeClass(status int) string {
	if status < 100 || status > 599 {
		return Other
	}
	return strconv.Itoa(status/100) + "xx"
}

// method follows the HTTP semconv: methods outside the standard set become
// "_OTHER", so a client cannot mint span names or attribute values.
func method(m string) string {
	if httpMethods[m] {
		return m
	}
	return "_OTHER"
}

// truncate cuts s to at most n bytes of valid UTF-8: Prometheus rejects
// label values that are not UTF-8.
func truncate(s string, n int) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// firstSeen admits the first limit distinct values and maps every later
// newcomer to Other, so callers that pass open-ended names (tools, routes)
// cannot grow the series count without bound.
type firstSeen struct {
	limit, maxBytes int
	empty           string // what "" is reported as

	mu   sync.RWMutex
	seen map[string]struct{}
}

func newFirstSeen(limit, maxBytes int, empty string) *firstSeen {
	return &firstSeen{limit: limit, maxBytes: maxBytes, empty: empty, seen: make(map[string]struct{}, limit)}
}

func (f *firstSeen) label(v string) string {
	if v == "" {
		return f.empty
	}
	v = truncate(v, f.maxBytes)
	f.mu.RLock()
	_, ok := f.seen[v]
	f.mu.RUnlock()
	if ok {
		return v
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.seen[v]; ok {
		return v
	}
	if len(f.seen) >= f.limit {
		return Other
	}
	f.seen[v] = struct{}{}
	return v
}
