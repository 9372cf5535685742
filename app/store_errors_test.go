package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"gatehouse/app"
	"gatehouse/domain"
	"gatehouse/ports"
)

var errDown = fmt.Errorf("dial tcp 10.0.0.1:6379: %w", ports.ErrUnavailable)

// unreachableGrants fails the lookups of one-shot secrets as a store that
// cannot be reached does; everything else works.
type unreachableGrants struct{ ports.GrantStore }

func (unreachableGrants) ConsumeAuthCode(context.Context, string, time.Time) (domain.AuthCode, error) {
	return domain.AuthCode{}, errDown
}

func (unreachableGrants) GetRefreshToken(context.Context, string, time.Time) (domain.RefreshToken, error) {
	return domain.RefreshToken{}, errDown
}

// unreachableClients cannot find any client.
type unreachableClients struct{ ports.ClientStore }

func (unreachableClients) GetClient(context.Context, string) (domain.Client, error) {
	return domain.Client{}, errDown
}

// unreachableVerifier cannot fetch the keys it needs.
type unreachableVerifier struct{}

func (unreachableVerifier) VerifyAccessToken(context.Context, string) (domain.Principal, error) {
	return domain.Principal{}, errDown
}

// An unreachable store must never read as "no such record": the client sees
// temporarily_unavailable (503), not invalid_grant or invalid_client.
func TestUnreachableStoreIsNotAbsence(t *testing.T) {
	grantsDown := func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Grants = unreachableGrants{d.Grants} }
	verifierDown := func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Verifier = unreachableVerifier{} }
	clientsDown := func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Clients = unreachableClients{d.Clients} }
	tests := []struct {
		name string
		edit func(*app.AuthServerConfig, *app.AuthServerDeps)
		call func(t *testing.T, h *harness) error
	}{
		{"code exchange", grantsDown, func(t *testing.T, h *harness) error {
			_, err := h.exchange(t, publicID, "some-code", otherVerifier)
			return err
		}},
		{"refresh", grantsDown, func(t *testing.T, h *harness) error {
			_, err := h.refresh(t, publicID, "some-refresh-token", "")
			return err
		}},
		{"revoke", grantsDown, func(t *testing.T, h *harness) error {
			return h.srv.Revoke(t.Context(), creds(publicID), "some-token", "")
		}},
		{"introspect", grantsDown, func(t *testing.T, h *harness) error {
			_, err := h.srv.Introspect(t.Context(), creds(confID), "some-token", "")
			return err
		}},
		{"revoke with the verifier down", verifierDown, func(t *testing.T, h *harness) error {
			return h.srv.Revoke(t.Context(), creds(publicID), "some-token", "access_token")
		}},
		{"introspect with the verifier down", verifierDown, func(t *testing.T, h *harness) error {
			_, err := h.srv.Introspect(t.Context(), creds(confID), "some-token", "")
			return err
		}},
		{"client authentication", clientsDown, func(t *testing.T, h *harness) error {
			_, err := h.srv.Token(t.Context(), app.TokenRequest{Client: creds(confID), GrantType: domain.GrantClientCredentials})
			return err
		}},
		{"authorization", clientsDown, func(t *testing.T, h *harness) error {
			_, err := h.start(t, &browser{}, authParams(publicID, publicRedirect, "read", newPKCE(t)))
			var pe *app.PageError
			if errors.As(err, &pe) {
				t.Errorf("an unreachable store became a page error: %v", err)
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.edit)
			err := tt.call(t, h)
			wantCode(t, err, domain.CodeTemporarilyUnavailable)
			if !errors.Is(err, ports.ErrUnavailable) {
				t.Errorf("error %v lost its cause", err)
			}
		})
	}
}

// failingIssuer cannot sign.
type failingIssuer struct{}

func (failingIssuer) IssueAccessToken(context.Context, domain.AccessTokenClaims) (string, error) {
	return "", errors.New("signing key unavailable")
}

func TestIssuerFailureIsServerError(t *testing.T) {
	h := newHarness(t, func(_ *app.AuthServerConfig, d *app.AuthServerDeps) { d.Issuer = failingIssuer{} })
	resp, err := h.srv.Token(t.Context(), app.TokenRequest{Client: creds(confID), GrantType: domain.GrantClientCredentials})
	wantCode(t, err, domain.CodeServerError)
	if resp.AccessToken != "" {
		t.Errorf("response carries a token: %+v", resp)
	}
}
