package config

import (
	"fmt"
	"strconv"
	"strings"
)

// m3Aliases maps the M3 seed's environment names to koanf keys. Each value
// is parsed as the key's type; the scope list also accepts spaces, and the
// seed's plain-second windows are valid durations.
var m3Aliases = []struct {
	env, key string
	list     func(string) []string
}{
	{"M3_OAUTH2_ISSUER_URL", "auth.external.issuer_url", nil},
	{"M3_OAUTH2_AUDIENCE", "auth.external.audience", nil},
	{"M3_OAUTH2_REQUIRED_SCOPES", "auth.external.required_scopes", commaOrSpaceList},
	{"M3_OAUTH2_JWKS_URL", "auth.external.jwks_url", nil},
	{"M3_OAUTH2_CLIENT_ID", "auth.external.client_id", nil},
	{"M3_OAUTH2_CLIENT_SECRET", "auth.external.client_secret", nil},
	{"M3_OAUTH2_VALIDATE_EXP", "auth.external.validate_exp", nil},
	{"M3_OAUTH2_VALIDATE_AUD", "auth.external.validate_aud", nil},
	{"M3_OAUTH2_VALIDATE_ISS", "auth.external.validate_iss", nil},
	{"M3_OAUTH2_RATE_LIMIT_ENABLED", "ratelimit.enabled", nil},
	{"M3_OAUTH2_RATE_LIMIT_REQUESTS", "ratelimit.requests", nil},
	{"M3_OAUTH2_RATE_LIMIT_WINDOW", "ratelimit.window", nil},
	{"M3_OAUTH2_JWKS_CACHE_TTL", "auth.external.jwks_cache_ttl", nil},
}

// m3Layer reads the M3 seed's variables. M3_OAUTH2_ENABLED=true selects
// external mode and M3_OAUTH2_DEBUG=true debug logging; their false values
// change nothing, so "enabled=false" can never mean "auth disabled".
func m3Layer(env map[string]string) (map[string]any, []error) {
	out := map[string]any{}
	var errs []error
	flags := []struct{ env, key, value string }{
		{"M3_OAUTH2_ENABLED", "auth.mode", "external"},
		{"M3_OAUTH2_DEBUG", "log.level", "debug"},
	}
	for _, f := range flags {
		s, ok := env[f.env]
		if !ok {
			continue
		}
		on, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid boolean: use true or false (from %s)", f.key, f.env))
			continue
		}
		if on {
			out[f.key] = f.value
		}
	}
	for _, a := range m3Aliases {
		s, ok := env[a.env]
		if !ok {
			continue
		}
		t, err := leafType(strings.Split(a.key, "."))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list := a.list
		if list == nil {
			list = commaList
		}
		v, err := convert(t, s, list)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (from %s)", a.key, err, a.env))
			continue
		}
		out[a.key] = v
	}
	return out, errs
}
