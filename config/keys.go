package config

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

var configType = reflect.TypeFor[Config]()

// field finds the struct field whose koanf tag is name.
func field(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if tag, _, _ := strings.Cut(f.Tag.Get("koanf"), ","); tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func isStructList(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && deref(t.Elem()).Kind() == reflect.Struct
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

// unknownKeys lists every key of a parsed YAML document that names no field
// of t, so that a typo ("listn:") stops the process instead of silently
// leaving the default in place. Map-typed fields take any key.
func unknownKeys(raw map[string]any, t reflect.Type, prefix string) []error {
	var errs []error
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		key := join(prefix, k)
		f, ok := field(t, k)
		if !ok {
			errs = append(errs, fmt.Errorf("%s: unknown key", key))
			continue
		}
		ft := deref(f.Type)
		switch v := raw[k].(type) {
		case map[string]any:
			if ft.Kind() == reflect.Struct {
				errs = append(errs, unknownKeys(v, ft, key)...)
			}
		case []any:
			if isStructList(ft) {
				et := deref(ft.Elem())
				for i, e := range v {
					if m, ok := e.(map[string]any); ok {
						errs = append(errs, unknownKeys(m, et, fmt.Sprintf("%s[%d]", key, i))...)
					}
				}
			}
		}
	}
	return errs
}

// mapPaths lists the koanf keys of map-typed fields outside lists
// ("tools.implications"). A layer that sets such a map replaces it whole, as
// it does a list, so that a configured map never inherits default entries.
func mapPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("koanf"), ",")
		if name == "" || name == "-" {
			continue
		}
		key := join(prefix, name)
		switch ft := deref(f.Type); ft.Kind() {
		case reflect.Map:
			out = append(out, key)
		case reflect.Struct:
			out = append(out, mapPaths(ft, key)...)
		}
	}
	return out
}

// leafType resolves a path of lowercased key segments (from an environment
// variable) to the type of the value it sets.
func leafType(segs []string) (reflect.Type, error) {
	t := configType
	for i, s := range segs {
		key := strings.Join(segs[:i+1], ".")
		switch t = deref(t); t.Kind() {
		case reflect.Struct:
			f, ok := field(t, s)
			if !ok {
				return nil, fmt.Errorf("%s: unknown key", key)
			}
			t = f.Type
		case reflect.Map:
			t = t.Elem()
		default:
			return nil, fmt.Errorf("%s: unknown key", key)
		}
		if isStructList(deref(t)) {
			return nil, fmt.Errorf("%s: lists of entries can only be set in the YAML file", key)
		}
	}
	switch t = deref(t); t.Kind() {
	case reflect.Struct, reflect.Map:
		return nil, fmt.Errorf("%s: is a section; set one of its keys", strings.Join(segs, "."))
	}
	return t, nil
}
