package sealedkeys_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"gatehouse/adapters/store/memory"
	"gatehouse/adapters/store/sealedkeys"
	"gatehouse/adapters/store/storetest"
	"gatehouse/domain"
	"gatehouse/ports"
)

func kek(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

var secretJWK = []byte(`{"kty":"EC","crv":"P-256","d":"private-scalar"}`)

func key(id string) domain.SigningKey {
	return domain.SigningKey{ID: id, Algorithm: "ES256", PrivateJWK: secretJWK, CreatedAt: time.Unix(1900000000, 0)}
}

// TestConformance: the sealing wrapper keeps every key-store contract.
func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{New: func(t *testing.T) ports.Stores {
		st := memory.New().Stores()
		sealed, err := sealedkeys.New(st.Keys, kek(7))
		if err != nil {
			t.Fatal(err)
		}
		st.Keys = sealed
		return st
	}})
}

// TestPrivateKeysAreEncryptedAtRest: the backing store never holds the
// private JWK in clear, and the wrapper gives it back intact.
func TestPrivateKeysAreEncryptedAtRest(t *testing.T) {
	ctx := t.Context()
	inner := memory.New()
	s, err := sealedkeys.New(inner, kek(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddKey(ctx, key("k1")); err != nil {
		t.Fatal(err)
	}
	raw, err := inner.ListKeys(ctx)
	if err != nil || len(raw) != 1 {
		t.Fatalf("inner ListKeys = %v, %v", raw, err)
	}
	if bytes.Contains(raw[0].PrivateJWK, []byte("private-scalar")) {
		t.Fatal("private key stored in clear")
	}
	got, err := s.ListKeys(ctx)
	if err != nil || len(got) != 1 || !bytes.Equal(got[0].PrivateJWK, secretJWK) {
		t.Fatalf("ListKeys = %v, %v; want the original private JWK", got, err)
	}

	k := key("k1")
	k.RetiredAt = time.Unix(1900000100, 0)
	if err := s.UpdateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	raw, _ = inner.ListKeys(ctx)
	if bytes.Contains(raw[0].PrivateJWK, []byte("private-scalar")) {
		t.Fatal("private key stored in clear after UpdateKey")
	}
}

// TestRefusals: a wrong key-encryption key, a record stored in clear, and a
// sealed key copied onto another id all fail closed.
func TestRefusals(t *testing.T) {
	ctx := t.Context()
	inner := memory.New()
	s, _ := sealedkeys.New(inner, kek(1))
	if err := s.AddKey(ctx, key("k1")); err != nil {
		t.Fatal(err)
	}

	other, _ := sealedkeys.New(inner, kek(2))
	if _, err := other.ListKeys(ctx); !errors.Is(err, sealedkeys.ErrWrongKey) {
		t.Errorf("ListKeys with another key-encryption key: %v, want ErrWrongKey", err)
	}

	raw, _ := inner.ListKeys(ctx)
	moved := raw[0]
	moved.ID = "k2"
	if err := inner.AddKey(ctx, moved); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListKeys(ctx); !errors.Is(err, sealedkeys.ErrWrongKey) {
		t.Errorf("ListKeys with a sealed key moved to another id: %v, want ErrWrongKey", err)
	}
	_ = inner.DeleteKey(ctx, "k2")

	if err := inner.AddKey(ctx, key("clear")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ListKeys(ctx); !errors.Is(err, sealedkeys.ErrNotSealed) {
		t.Errorf("ListKeys with a key stored in clear: %v, want ErrNotSealed", err)
	}

	if _, err := sealedkeys.New(inner, []byte("short")); err == nil {
		t.Error("New accepted a 5-byte key-encryption key")
	}
}
