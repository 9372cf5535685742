package telemetry

import (
	"errors"
	"fmt"
	"testing"

	"gatehouse/domain"
	"gatehouse/ports"
)

func TestClassifyAuth(t *testing.T) {
	tests := []struct {
		name                string
		err                 error
		outcome, wantReason string
	}{
		{"accepted", nil, AuthOK, ReasonNone},
		{"store down", fmt.Errorf("check revocation: %w", ports.ErrUnavailable), AuthUnavailable, ReasonUnavailable},
		{"expired", domain.ErrInvalidToken("token expired"), AuthRefused, ReasonExpired},
		{"revoked", domain.ErrInvalidToken("token was revoked"), AuthRefused, ReasonRevoked},
		{"bad signature (external)", domain.ErrInvalidToken("signature verification failed"), AuthRefused, ReasonBadSignature},
		{"wrapped", fmt.Errorf("authenticate: %w", domain.ErrInvalidToken("wrong audience")), AuthRefused, ReasonWrongAudience},
		{"unknown description", domain.ErrInvalidToken("something new"), AuthRefused, domain.CodeInvalidToken},
		{"insufficient scope", domain.ErrInsufficientScope("need more", nil), AuthRefused, domain.CodeInsufficientScope},
		{"invented code", &domain.OAuthError{Code: "made_up"}, AuthRefused, Other},
		{"unclassified error", errors.New("boom"), AuthRefused, Other},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, r := ClassifyAuth(tt.err)
			if o != tt.outcome || r != tt.wantReason {
				t.Errorf("ClassifyAuth(%v) = (%q, %q), want (%q, %q)", tt.err, o, r, tt.outcome, tt.wantReason)
			}
		})
	}
}

// TestReasonTableOnlyBoundedValues: every reason the description table can
// produce passes the reason allow-list, so none turns into "other".
func TestReasonTableOnlyBoundedValues(t *testing.T) {
	for desc, r := range invalidTokenReasons {
		if authReason(r) != r {
			t.Errorf("description %q maps to %q, which the allow-list rejects", desc, r)
		}
	}
}
