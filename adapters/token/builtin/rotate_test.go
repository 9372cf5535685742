package builtin

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gatehouse/domain"
	"gatehouse/ports"
)

func TestRotation(t *testing.T) {
	e := newEnv(t, AlgES256)
	const keepFor = 10 * time.Minute
	oldKid := e.keys.signingKey(e.clock.Now()).rec.ID
	c := e.claims()
	c.ExpiresAt = c.IssuedAt.Add(time.Hour) // outlives keepFor, so only the key can fail it
	oldTok := e.mustIssue(t, c)
	if _, err := e.verify.VerifyAccessToken(t.Context(), oldTok); err != nil {
		t.Fatalf("before rotation: %v", err) // and now cached
	}

	e.clock.Advance(time.Minute)
	rotatedAt := e.clock.Now()
	next, err := e.keys.Rotate(t.Context(), keepFor)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if next.ID == oldKid || next.PrivateJWK != nil || !next.CreatedAt.Equal(rotatedAt) {
		t.Errorf("Rotate returned %+v (private %d bytes), want a new key created now without private material", next, len(next.PrivateJWK))
	}
	newTok := e.mustIssue(t, e.claims())
	if kid := segment(t, newTok, 0)["kid"]; kid != next.ID {
		t.Errorf("new token kid = %v, want %s", kid, next.ID)
	}
	for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
		if _, err := e.verify.VerifyAccessToken(t.Context(), tok); err != nil {
			t.Errorf("%s token after rotation: %v", name, err)
		}
	}
	if diff := cmp.Diff([]string{next.ID, oldKid}, jwksKids(t, e.keys)); diff != "" {
		t.Errorf("jwks kids after rotation (-want +got):\n%s", diff)
	}
	var old domain.SigningKey
	for _, k := range storedKeys(t, e.store) {
		if k.ID == oldKid {
			old = k
		}
	}
	if !old.RetiredAt.Equal(rotatedAt) || !old.ExpiresAt.Equal(rotatedAt.Add(keepFor)) {
		t.Errorf("old key retired %v expires %v, want %v and %v", old.RetiredAt, old.ExpiresAt, rotatedAt, rotatedAt.Add(keepFor))
	}

	e.clock.Advance(keepFor)
	_, err = e.verify.VerifyAccessToken(t.Context(), oldTok)
	wantInvalid(t, err, "unknown signing key")
	if diff := cmp.Diff([]string{next.ID}, jwksKids(t, e.keys)); diff != "" {
		t.Errorf("jwks kids after keepFor (-want +got):\n%s", diff)
	}
	if _, err := e.verify.VerifyAccessToken(t.Context(), newTok); err != nil {
		t.Errorf("new token after keepFor: %v", err)
	}
	if err := e.keys.EnsureKey(t.Context()); err != nil {
		t.Fatalf("EnsureKey: %v", err)
	}
	if diff := cmp.Diff([]string{next.ID}, e.store.ids(t)); diff != "" {
		t.Errorf("stored kids after keepFor (-want +got):\n%s", diff)
	}
}

func TestRotateWithdrawsAtOnce(t *testing.T) {
	e := newEnv(t, AlgES256)
	oldTok := e.mustIssue(t, e.claims())
	next, err := e.keys.Rotate(t.Context(), 0)
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if diff := cmp.Diff([]string{next.ID}, e.store.ids(t)); diff != "" {
		t.Errorf("stored kids (-want +got):\n%s", diff)
	}
	_, err = e.verify.VerifyAccessToken(t.Context(), oldTok)
	wantInvalid(t, err, "unknown signing key")
}

func TestRotateErrors(t *testing.T) {
	e := newEnv(t, AlgES256)
	if _, err := e.keys.Rotate(t.Context(), -time.Second); err == nil {
		t.Error("Rotate(-1s) succeeded")
	}
	e.store.setErr(ports.ErrUnavailable)
	if _, err := e.keys.Rotate(t.Context(), time.Minute); !errors.Is(err, ports.ErrUnavailable) {
		t.Errorf("Rotate with store down: err = %v, want ErrUnavailable", err)
	}
	if err := e.keys.Reload(t.Context()); !errors.Is(err, ports.ErrUnavailable) {
		t.Errorf("Reload with store down: err = %v, want ErrUnavailable", err)
	}
	// The loaded keys survive a failed reload.
	if _, err := e.issuer.IssueAccessToken(t.Context(), e.claims()); err != nil {
		t.Errorf("issue with store down: %v", err)
	}
}

func jwksKids(t *testing.T, m *KeyManager) []string {
	t.Helper()
	raw, err := m.PublicJWKS(t.Context())
	if err != nil {
		t.Fatalf("PublicJWKS: %v", err)
	}
	var set struct{ Keys []struct{ Kid string } }
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	kids := []string{}
	for _, k := range set.Keys {
		kids = append(kids, k.Kid)
	}
	return kids
}
