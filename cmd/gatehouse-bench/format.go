package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Cell formats of the Markdown table; "–" marks a value not measured.

func fmtRate(n num) string {
	if !n.known() {
		return "–"
	}
	return groupThousands(int64(math.Round(float64(n))))
}

func fmtSpread(lo, hi num) string {
	if !lo.known() || !hi.known() {
		return "–"
	}
	return fmtRate(lo) + "–" + fmtRate(hi)
}

// fmtMicros prints a duration given in µs with three significant digits.
func fmtMicros(us num) string {
	if !us.known() {
		return "–"
	}
	v := float64(us)
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + " s"
	case v >= 1e3:
		return sig3(v/1e3) + " ms"
	default:
		return sig3(v) + " µs"
	}
}

func fmtCount(n num) string {
	if !n.known() {
		return "–"
	}
	return groupThousands(int64(math.Round(float64(n))))
}

func fmtRatio(n num) string {
	if !n.known() {
		return "–"
	}
	return sig3(float64(n)) + "×"
}

// sig3 formats v with three significant digits and no exponent.
func sig3(v float64) string {
	a := math.Abs(v)
	if a == 0 {
		return "0"
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(a))))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// groupThousands writes n with a space between groups of three digits.
func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(" ")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
