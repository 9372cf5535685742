// Package ports declares the interfaces the use cases need from the outside
// world. Each store adapter classifies its own failures into these sentinels.
package ports

import "errors"

var (
	// ErrNotFound: the record does not exist, or has expired, or (for
	// one-shot secrets) was already used.
	ErrNotFound = errors.New("not found")
	// ErrAlreadyExists: a record with the same key exists.
	ErrAlreadyExists = errors.New("already exists")
	// ErrConflict: the write lost a race or would break a limit.
	ErrConflict = errors.New("conflict")
	// ErrRefreshReused: a refresh token that was already rotated was presented
	// again; the store has revoked its whole grant.
	ErrRefreshReused = errors.New("refresh token reused")
	// ErrRefreshInGrace: a just-rotated refresh token was presented again
	// within the grace period; the returned record names its successor.
	ErrRefreshInGrace = errors.New("refresh token rotated within the grace period")
	// ErrUnavailable: the backend cannot be reached. Callers answer 503;
	// it must never be treated as "no record" or as a pass.
	ErrUnavailable = errors.New("store unavailable")
)
