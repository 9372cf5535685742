package domain_test

import (
	"errors"
	"strings"
	"testing"

	"gatehouse/domain"
)

// RFC 7636 Appendix B.
const (
	rfcVerifier  = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	rfcChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
)

func TestValidateCodeChallenge(t *testing.T) {
	tests := []struct {
		name      string
		challenge string
		method    string
		wantErr   bool
	}{
		{"valid S256", rfcChallenge, "S256", false},
		{"missing", "", "S256", true},
		{"missing method", rfcChallenge, "", true},
		{"plain", rfcChallenge, "plain", true},
		{"method case", rfcChallenge, "s256", true},
		{"too short", rfcChallenge[:42], "S256", true},
		{"too long", rfcChallenge + "A", "S256", true},
		{"padding", rfcChallenge[:42] + "=", "S256", true},
		{"standard base64 alphabet", strings.Replace(rfcChallenge, "-", "+", 1), "S256", true},
		{"space", strings.Replace(rfcChallenge, "E", " ", 1), "S256", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.ValidateCodeChallenge(tt.challenge, tt.method)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateCodeChallenge(%q, %q) = %v, wantErr %v", tt.challenge, tt.method, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, domain.ErrInvalidRequest("")) {
				t.Errorf("ValidateCodeChallenge(%q, %q) = %v, want invalid_request", tt.challenge, tt.method, err)
			}
		})
	}
}

func TestVerifyPKCE(t *testing.T) {
	tests := []struct {
		name      string
		verifier  string
		challenge string
		wantErr   bool
	}{
		{"RFC 7636 appendix B", rfcVerifier, rfcChallenge, false},
		{"longest verifier", strings.Repeat("a", 128), "aDbPE7rEAOkQUHHNavRwhN-srU5eMCyUv-0k4BOvtz4", false},
		{"wrong verifier", strings.Replace(rfcVerifier, "d", "e", 1), rfcChallenge, true},
		{"plain comparison refused", rfcChallenge, rfcChallenge, true},
		{"empty verifier", "", rfcChallenge, true},
		{"verifier too short", strings.Repeat("a", 42), rfcChallenge, true},
		{"verifier too long", strings.Repeat("a", 129), rfcChallenge, true},
		{"verifier bad charset", rfcVerifier[:42] + "+", rfcChallenge, true},
		{"verifier with space", rfcVerifier[:42] + " ", rfcChallenge, true},
		{"empty challenge", rfcVerifier, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.VerifyPKCE(tt.verifier, tt.challenge)
			if (err != nil) != tt.wantErr {
				t.Fatalf("VerifyPKCE(%q, %q) = %v, wantErr %v", tt.verifier, tt.challenge, err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, domain.ErrInvalidGrant("")) {
				t.Errorf("VerifyPKCE(%q, %q) = %v, want invalid_grant", tt.verifier, tt.challenge, err)
			}
		})
	}
}
