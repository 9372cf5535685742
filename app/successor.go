package app

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
)

// A rotated refresh token keeps its successor's value sealed under a key
// derived from its own value. Only a client holding the old token can open
// it, and the store holds neither value in clear (it keeps SHA-256 of each,
// a different derivation from this key's), so a retry within the grace
// period gets the very token the first answer carried.

var errSealedSuccessor = errors.New("sealed successor does not open")

func successorKey(oldRaw string) []byte {
	k := sha256.Sum256([]byte("gatehouse refresh successor\x00" + oldRaw))
	return k[:]
}

func sealSuccessor(oldRaw, nextRaw string) []byte {
	aead := successorAEAD(oldRaw)
	nonce := make([]byte, aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	return aead.Seal(nonce, nonce, []byte(nextRaw), nil)
}

func openSuccessor(oldRaw string, sealed []byte) (string, error) {
	aead := successorAEAD(oldRaw)
	if len(sealed) < aead.NonceSize() {
		return "", errSealedSuccessor
	}
	nonce, ct := sealed[:aead.NonceSize()], sealed[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, nil)
	if err != nil {
		return "", errSealedSuccessor
	}
	return string(pt), nil
}

func successorAEAD(oldRaw string) cipher.AEAD {
	block, err := aes.NewCipher(successorKey(oldRaw))
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return aead
}
