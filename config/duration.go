package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
)

var durationType = reflect.TypeFor[time.Duration]()

// parseDuration accepts Go duration syntax ("15m", "1h30m") and plain
// integers as seconds ("3600"), the unit the M3 seed's variables use.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return secondsToDuration(n)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: use Go syntax such as 90s or 15m, or whole seconds", s)
	}
	return d, nil
}

func secondsToDuration(n int64) (time.Duration, error) {
	if n > math.MaxInt64/int64(time.Second) || n < math.MinInt64/int64(time.Second) {
		return 0, fmt.Errorf("duration of %d seconds is out of range", n)
	}
	return time.Duration(n) * time.Second, nil
}

// durationHook lets YAML give durations as strings or as whole seconds. Values
// already typed time.Duration (the defaults) pass through unchanged.
func durationHook(_ reflect.Type, to reflect.Type, data any) (any, error) {
	if to != durationType {
		return data, nil
	}
	switch v := data.(type) {
	case time.Duration:
		return v, nil
	case string:
		return parseDuration(v)
	case int:
		return secondsToDuration(int64(v))
	case int64:
		return secondsToDuration(v)
	case uint64:
		if v > math.MaxInt64 {
			return nil, fmt.Errorf("duration of %d seconds is out of range", v)
		}
		return secondsToDuration(int64(v))
	case float64:
		if v != math.Trunc(v) {
			return nil, fmt.Errorf("invalid duration %v: use Go syntax such as 1.5s for fractions", v)
		}
		if math.Abs(v) > math.MaxInt64/float64(time.Second) {
			return nil, fmt.Errorf("duration of %v seconds is out of range", v)
		}
		return secondsToDuration(int64(v))
	}
	return data, nil
}
