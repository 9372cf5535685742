package config

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

const envPrefix = "GATEHOUSE_"

// envMap turns os.Environ-style entries into a map; a later duplicate wins,
// as it does for os/exec.
func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// envLayer maps GATEHOUSE_A__B_C=v to the koanf key a.b_c. Variables without
// "__" that name no key (GATEHOUSE_CONFIG, GATEHOUSE_TOKEN, test settings)
// belong to other readers and are skipped; a nested name that matches
// nothing is a typo and is refused.
func envLayer(env map[string]string) (map[string]any, []error) {
	out := map[string]any{}
	var errs []error
	for name, val := range env {
		rest, ok := strings.CutPrefix(name, envPrefix)
		if !ok || rest == "" {
			continue
		}
		segs := strings.Split(strings.ToLower(rest), "__")
		if len(segs) == 1 {
			if _, known := field(configType, segs[0]); !known {
				continue
			}
		}
		t, err := leafType(segs)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w (from %s)", err, name))
			continue
		}
		key := strings.Join(segs, ".")
		v, err := convert(t, val, commaList)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w (from %s)", key, err, name))
			continue
		}
		out[key] = v
	}
	return out, errs
}

// convert parses an environment string into the value a field of type t
// takes. Error messages never repeat the value: it may be a secret.
func convert(t reflect.Type, s string, list func(string) []string) (any, error) {
	if t == durationType {
		return parseDuration(s)
	}
	switch t.Kind() {
	case reflect.String:
		return s, nil
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("invalid boolean: use true or false")
		}
		return b, nil
	case reflect.Int:
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("invalid integer")
		}
		return n, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.String {
			return list(s), nil
		}
	}
	return nil, fmt.Errorf("cannot be set from the environment")
}

// commaList splits "read, write" into [read write]; an empty string is an
// empty list, which lets the environment clear a list.
func commaList(s string) []string {
	out := []string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// commaOrSpaceList also accepts the space-delimited OAuth scope syntax.
func commaOrSpaceList(s string) []string {
	return commaList(strings.Join(strings.Fields(s), ","))
}
