package domain_test

import (
	"testing"

	"gatehouse/domain"
)

func TestHashSecret(t *testing.T) {
	// SHA-256("abc"), FIPS 180-2 appendix B.1.
	const want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
	if got := domain.HashSecret("abc"); got != want {
		t.Errorf("HashSecret(%q) = %q, want %q", "abc", got, want)
	}
}

func TestSecretMatches(t *testing.T) {
	stored := domain.HashSecret("s3cret")
	tests := []struct {
		name      string
		presented string
		stored    string
		want      bool
	}{
		{"same secret", "s3cret", stored, true},
		{"other secret", "s3creT", stored, false},
		{"empty presented", "", stored, false},
		{"hash presented as secret", stored, stored, false},
		{"empty stored hash", "s3cret", "", false},
		{"empty against empty hash", "", "", false},
		{"uppercase stored hash", "s3cret", upper(stored), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.SecretMatches(tt.presented, tt.stored); got != tt.want {
				t.Errorf("SecretMatches(%q, %q) = %v, want %v", tt.presented, tt.stored, got, tt.want)
			}
		})
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
