package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
)

// forger makes the tokens of an attacker who knows everything but the
// signing key: a real token's header (alg, kid, typ) and claims, a fresh
// jti every time so that no cache can answer, and random bytes of the
// right length where the signature goes. The server has to check the
// signature of each one to refuse it, which is the most a forged token
// can make it do.
type forger struct {
	header   string
	pre, suf string // the claims' JSON around the jti
	sigLen   int
	n        atomic.Uint64
}

const jtiMark = "gatehouse-bench-jti-mark"

func newForger(token string) (*forger, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("forger: not a JWS compact token")
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, fmt.Errorf("forger: header: %w", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) == 0 {
		return nil, errors.New("forger: signature is not base64url")
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("forger: claims: %w", err)
	}
	claims["jti"] = jtiMark
	raw, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("forger: claims: %w", err)
	}
	pre, suf, _ := strings.Cut(string(raw), jtiMark)
	return &forger{header: parts[0], pre: pre, suf: suf, sigLen: len(sig)}, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// next is a forged token never sent before.
func (f *forger) next() string {
	claims := f.pre + "forged-" + strconv.FormatUint(f.n.Add(1), 10) + f.suf
	sig := make([]byte, f.sigLen)
	_, _ = rand.Read(sig)
	return f.header + "." + base64.RawURLEncoding.EncodeToString([]byte(claims)) + "." +
		base64.RawURLEncoding.EncodeToString(sig)
}
