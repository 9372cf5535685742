package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// floorStore is the floor of the token endpoint's storage: the round trips
// Gatehouse's store adapters make for one request, and nothing else. They
// were read from the adapters (adapters/store/{redis,postgres}):
//
//   - client_credentials: one read, the client record (GetClient). Issuing
//     the token signs a JWT and stores nothing.
//   - refresh_token rotation: four, GetClient, GetRefreshToken, GetGrant and
//     RotateRefreshToken, the last one atomic (a Lua script in Redis, one
//     UPDATE … INSERT statement in Postgres) and storing the successor.
type floorStore interface {
	// Client reads one client record.
	Client(ctx context.Context, id string) error
	// Seed stores a grant and its first refresh token and returns the raw
	// token; setup only, never timed.
	Seed(ctx context.Context) (string, error)
	// Rotate makes a rotation's round trips and returns the successor. A
	// token already rotated is errReused.
	Rotate(ctx context.Context, raw string) (string, error)
	Close() error
}

var errReused = errors.New("refresh token already rotated")

// Records of about the size Gatehouse stores, so that the bytes moved are
// alike.
const (
	floorClientID = "demo-client"
	floorClient   = `{"id":"demo-client","name":"Gatehouse demo client","redirect_uris":["http://localhost:3000/callback",` +
		`"http://localhost:8080/callback","http://127.0.0.1:3000/callback","http://127.0.0.1:8080/callback"],` +
		`"grant_types":["authorization_code","refresh_token"],"response_types":["code"],` +
		`"token_endpoint_auth_method":"none","scopes":["admin","read","write"],"application_type":"native",` +
		`"created_at":"2026-01-01T00:00:00Z"}`
	floorGrant = `{"id":"%s","subject":"alice","client_id":"demo-client","scopes":["read","write"],` +
		`"resource":"http://127.0.0.1/mcp","created_at":"2026-01-01T00:00:00Z","expires_at":"2030-01-01T00:00:00Z"}`
	floorRefresh = `{"grant_id":"%s","client_id":"demo-client","scopes":["read","write"],"expires_at":"2030-01-01T00:00:00Z"}`
)

var floorExpiry = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func hashSecret(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// memoryFloor keeps the records in maps under one mutex, as Gatehouse's
// memory store does.
type memoryFloor struct {
	mu      sync.Mutex
	clients map[string]string
	grants  map[string]string
	refresh map[string]*memRefresh
}

type memRefresh struct {
	grantID, data, successor string
}

func newMemoryFloor() *memoryFloor {
	return &memoryFloor{
		clients: map[string]string{floorClientID: floorClient, "demo-service": floorClient},
		grants:  map[string]string{},
		refresh: map[string]*memRefresh{},
	}
}

func (m *memoryFloor) Client(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.clients[id]; !ok {
		return fmt.Errorf("memory floor: client %q: not found", id)
	}
	return nil
}

func (m *memoryFloor) Seed(context.Context) (string, error) {
	gid, raw := newSecret()[:16], newSecret()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.grants[gid] = fmt.Sprintf(floorGrant, gid)
	m.refresh[hashSecret(raw)] = &memRefresh{grantID: gid, data: fmt.Sprintf(floorRefresh, gid)}
	return raw, nil
}

func (m *memoryFloor) Rotate(ctx context.Context, raw string) (string, error) {
	if err := m.Client(ctx, floorClientID); err != nil {
		return "", err
	}
	old, next := hashSecret(raw), newSecret()
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.refresh[old]
	if !ok {
		return "", errors.New("memory floor: refresh token not found")
	}
	if _, ok := m.grants[t.grantID]; !ok {
		return "", errors.New("memory floor: grant not found")
	}
	if t.successor != "" {
		return "", errReused
	}
	t.successor = hashSecret(next)
	m.refresh[t.successor] = &memRefresh{grantID: t.grantID, data: t.data}
	return next, nil
}

func (m *memoryFloor) Close() error { return nil }
