package builtin

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"time"

	"gatehouse/domain"
)

// issuedClaims is the RFC 9068 payload as signed.
type issuedClaims struct {
	Issuer   string `json:"iss"`
	Subject  string `json:"sub"`
	Audience any    `json:"aud"` // a string when there is one audience
	Expiry   int64  `json:"exp"`
	IssuedAt int64  `json:"iat"`
	TokenID  string `json:"jti"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
	GrantID  string `json:"gid,omitempty"`
}

// encodeClaims refuses claims no verifier should accept, so that a bug
// upstream fails at issuance rather than at every resource server.
func encodeClaims(c domain.AccessTokenClaims) ([]byte, error) {
	switch {
	case c.Issuer == "":
		return nil, errors.New("claims: issuer required")
	case c.Subject == "":
		return nil, errors.New("claims: subject required")
	case c.ClientID == "":
		return nil, errors.New("claims: client_id required")
	case c.TokenID == "":
		return nil, errors.New("claims: jti required")
	case len(c.Audience) == 0 || slices.Contains(c.Audience, ""):
		return nil, errors.New("claims: audience required")
	case !c.ExpiresAt.After(c.IssuedAt):
		return nil, errors.New("claims: exp must be after iat")
	}
	w := issuedClaims{
		Issuer:   c.Issuer,
		Subject:  c.Subject,
		Audience: c.Audience,
		Expiry:   c.ExpiresAt.Unix(),
		IssuedAt: c.IssuedAt.Unix(),
		TokenID:  c.TokenID,
		ClientID: c.ClientID,
		Scope:    c.Scopes.String(),
		GrantID:  c.GrantID,
	}
	if len(c.Audience) == 1 {
		w.Audience = c.Audience[0]
	}
	return json.Marshal(w)
}

// receivedClaims is what the verifier reads. Pointers tell a missing claim
// from a zero one; scp is the array form some issuers use for scope.
type receivedClaims struct {
	Issuer    string       `json:"iss"`
	Subject   string       `json:"sub"`
	Audience  audience     `json:"aud"`
	Expiry    *numericDate `json:"exp"`
	NotBefore *numericDate `json:"nbf"`
	IssuedAt  *numericDate `json:"iat"`
	TokenID   string       `json:"jti"`
	ClientID  string       `json:"client_id"`
	Scope     *string      `json:"scope"`
	Scp       []string     `json:"scp"`
	GrantID   string       `json:"gid"`
}

func (c receivedClaims) scopes() domain.Scopes {
	if c.Scope != nil {
		return domain.ParseScopes(*c.Scope)
	}
	return domain.NewScopes(c.Scp...)
}

// audience is the aud claim, a string or an array of strings (RFC 7519 §4.1.3).
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("aud must be a string or an array of strings")
	}
	*a = many
	return nil
}

// maxNumericDate is 9999-12-31T23:59:59Z; later dates are rejected rather
// than overflowing time.Time arithmetic.
const maxNumericDate = 253402300799

// numericDate is RFC 7519 NumericDate: seconds since the epoch, possibly
// fractional.
type numericDate struct{ time.Time }

func (d *numericDate) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return errors.New("date claim must be a number")
	}
	if f < 0 || f > maxNumericDate {
		return errors.New("date claim out of range")
	}
	sec, frac := math.Modf(f)
	d.Time = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	return nil
}
