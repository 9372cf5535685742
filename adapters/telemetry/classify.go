package telemetry

import (
	"errors"

	"gatehouse/domain"
	"gatehouse/ports"
)

// invalidTokenReasons maps the descriptions the token verifiers and the
// authenticator give their invalid_token errors to bounded reasons. A
// description not listed here is reported as plain invalid_token.
var invalidTokenReasons = map[string]string{
	"authorization header is not a bearer token": ReasonNotBearer,
	"malformed token":               ReasonMalformed,
	"malformed claims":              ReasonMalformed,
	"wrong token type":              ReasonWrongTokenType,
	"not an access token":           ReasonWrongTokenType,
	"algorithm not allowed":         ReasonAlgorithmNotAllowed,
	"unsupported critical header":   ReasonUnsupportedHeader,
	"unsupported header":            ReasonUnsupportedHeader,
	"missing key id":                ReasonMissingKeyID,
	"missing kid":                   ReasonMissingKeyID,
	"unknown signing key":           ReasonUnknownKey,
	"bad signature":                 ReasonBadSignature,
	"signature verification failed": ReasonBadSignature,
	"wrong issuer":                  ReasonWrongIssuer,
	"wrong audience":                ReasonWrongAudience,
	"missing exp":                   ReasonMissingClaim,
	"missing sub":                   ReasonMissingClaim,
	"missing subject":               ReasonMissingClaim,
	"token expired":                 ReasonExpired,
	"token not yet valid":           ReasonNotYetValid,
	"token issued in the future":    ReasonNotYetValid,
	"token was revoked":             ReasonRevoked,
	"token is not active":           ReasonInactive,
}

// ClassifyAuth turns the result of authenticating a bearer token into the
// outcome and reason labels of Recorder.Authentication: nil is (ok, none);
// an error wrapping ports.ErrUnavailable is (unavailable, unavailable); a
// *domain.OAuthError is refused with a reason from its code, refined for
// invalid_token by its description; anything else is (refused, other),
// since an error nobody classified still refuses the request. A request
// with no token at all is the caller's to report as ReasonMissingToken.
func ClassifyAuth(err error) (outcome, reason string) {
	if err == nil {
		return AuthOK, ReasonNone
	}
	if errors.Is(err, ports.ErrUnavailable) {
		return AuthUnavailable, ReasonUnavailable
	}
	var oe *domain.OAuthError
	if !errors.As(err, &oe) {
		return AuthRefused, Other
	}
	if oe.Code == domain.CodeInvalidToken {
		if r, ok := invalidTokenReasons[oe.Description]; ok {
			return AuthRefused, r
		}
	}
	return AuthRefused, authReason(oe.Code)
}
