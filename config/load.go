package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/knadh/koanf/maps"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"
	"github.com/spf13/pflag"
)

// flagKeys maps each configuration flag to the koanf key it sets.
var flagKeys = map[string]string{
	"dev":       "dev",
	"listen":    "server.listen",
	"base-url":  "server.base_url",
	"store":     "store.driver",
	"log-level": "log.level",
}

// Flags returns a fresh flag set with the configuration flags, for Load and
// for printing usage. Its output is discarded: callers print errors and
// usage themselves (FlagUsages).
func Flags() *pflag.FlagSet {
	fs := pflag.NewFlagSet("gatehouse", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.String("config", "", "YAML configuration file (env GATEHOUSE_CONFIG)")
	fs.Bool("dev", false, "development mode: demo users and clients (default: on without a config file)")
	fs.String("listen", "", "listen address host:port (server.listen)")
	fs.String("base-url", "", "public base URL (server.base_url)")
	fs.String("store", "", "store driver: memory, redis or postgres (store.driver)")
	fs.String("log-level", "", "log level: debug, info, warn or error (log.level)")
	return fs
}

// Load builds the configuration from the command's flags and environment
// (os.Environ form). Later sources win: defaults, the YAML file (--config or
// GATEHOUSE_CONFIG), the M3 seed's variables, GATEHOUSE_ variables, flags.
// The result is validated; every problem found is in the error.
func Load(args []string, env []string) (Config, error) {
	fs := Flags()
	if err := fs.Parse(args); err != nil {
		return Config{}, fmt.Errorf("flags: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("flags: unexpected argument %q", fs.Arg(0))
	}
	return LoadFlagSet(fs, env)
}

// LoadFlagSet is Load for a caller that parsed the flags itself, for example
// a command that adds its own flags to Flags(). Flags the set does not
// define are ignored.
func LoadFlagSet(fs *pflag.FlagSet, env []string) (Config, error) {
	vars := envMap(env)
	k := koanf.New(".")
	if err := k.Load(structs.Provider(Defaults(), "koanf"), nil); err != nil {
		return Config{}, fmt.Errorf("defaults: %w", err)
	}

	file := vars["GATEHOUSE_CONFIG"]
	if f := fs.Lookup("config"); f != nil && f.Changed {
		file = f.Value.String()
	}
	if file != "" {
		if err := k.Set("dev", false); err != nil {
			return Config{}, err
		}
		raw, err := readYAML(file)
		if err != nil {
			return Config{}, err
		}
		if err := load(k, raw); err != nil {
			return Config{}, fmt.Errorf("%s: %w", file, err)
		}
	}

	var errs []error
	for _, layer := range []func(map[string]string) (map[string]any, []error){m3Layer, envLayer} {
		flat, lerrs := layer(vars)
		errs = append(errs, lerrs...)
		if err := load(k, maps.Unflatten(flat, ".")); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(sortErrors(errs)...); err != nil {
		return Config{}, err
	}

	var setErr error
	fs.Visit(func(f *pflag.Flag) {
		if key, ok := flagKeys[f.Name]; ok && setErr == nil {
			setErr = k.Set(key, flagValue(f))
		}
	})
	if setErr != nil {
		return Config{}, fmt.Errorf("flags: %w", setErr)
	}

	cfg, err := decode(k)
	if err != nil {
		return Config{}, err
	}
	normalize(&cfg)
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func flagValue(f *pflag.Flag) any {
	if f.Value.Type() == "bool" {
		return f.Value.String() == "true"
	}
	return f.Value.String()
}

// readYAML parses the file and refuses keys that name nothing.
func readYAML(file string) (map[string]any, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	raw, err := yaml.Parser().Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	maps.IntfaceKeysToStrings(raw)
	dropNulls(raw)
	if errs := unknownKeys(raw, configType, ""); len(errs) > 0 {
		return nil, fmt.Errorf("%s: %w", file, errors.Join(errs...))
	}
	return raw, nil
}

// dropNulls removes empty YAML values, so that a section whose keys are all
// commented out ("server:" alone) keeps its defaults instead of erasing them.
func dropNulls(m map[string]any) {
	for k, v := range m {
		switch v := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			dropNulls(v)
		}
	}
}

// load merges one layer into k. Maps set by the layer replace the current
// ones whole (see mapPaths); everything else merges key by key.
func load(k *koanf.Koanf, layer map[string]any) error {
	for _, p := range mapPaths(configType, "") {
		if has(layer, p) {
			k.Delete(p)
		}
	}
	return k.Load(mapProvider(layer), nil)
}

func has(m map[string]any, path string) bool {
	head, rest, nested := strings.Cut(path, ".")
	v, ok := m[head]
	if !ok || !nested {
		return ok
	}
	sub, ok := v.(map[string]any)
	return ok && has(sub, rest)
}

// mapProvider is a koanf.Provider over an already nested map.
type mapProvider map[string]any

func (p mapProvider) Read() (map[string]any, error) { return p, nil }

func (mapProvider) ReadBytes() ([]byte, error) {
	return nil, errors.New("mapProvider: ReadBytes is not supported")
}

func decode(k *koanf.Koanf) (Config, error) {
	var cfg Config
	err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{
		DecoderConfig: &mapstructure.DecoderConfig{
			DecodeHook:       durationHook,
			WeaklyTypedInput: true,
			TagName:          "koanf",
		},
	})
	if err != nil {
		return Config{}, errors.Join(decodeErrors(err)...)
	}
	return cfg, nil
}

// decodeErrors rewrites mapstructure's report ("'a.b' msg" under a header)
// into the "a.b: msg" lines Validate uses.
func decodeErrors(err error) []error {
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		var out []error
		for _, inner := range e.Unwrap() {
			out = append(out, decodeErrors(inner)...)
		}
		return out
	case *mapstructure.DecodeError:
		if _, joined := e.Unwrap().(interface{ Unwrap() []error }); joined {
			return decodeErrors(e.Unwrap())
		}
		return []error{fmt.Errorf("%s: %w", e.Name(), e.Unwrap())}
	}
	// The header mapstructure puts above several errors wraps them once.
	if inner := errors.Unwrap(err); inner != nil {
		if _, joined := inner.(interface{ Unwrap() []error }); joined {
			return decodeErrors(inner)
		}
	}
	return []error{err}
}

// normalize strips the trailing slash of URLs that are compared as exact
// strings, so that "https://gh.example/" and "https://gh.example" mean the
// same issuer and resource.
func normalize(c *Config) {
	c.Server.BaseURL = strings.TrimRight(c.Server.BaseURL, "/")
	c.Auth.Builtin.Issuer = strings.TrimRight(c.Auth.Builtin.Issuer, "/")
}

// sortErrors orders errors by message: the environment is a map, and the
// same input should always print the same report.
func sortErrors(errs []error) []error {
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}
