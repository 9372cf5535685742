package e2e

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jws"
)

// TestSigningKeysRotateAndOldTokensKeepVerifying starts a server that rotates
// its signing key every two seconds: the JWKS then publishes the new key and
// the old one, a token signed before the rotation still introspects active,
// and new tokens carry the new kid.
func TestSigningKeysRotateAndOldTokensKeepVerifying(t *testing.T) {
	t.Parallel()
	s := startServer(t, "GATEHOUSE_AUTH__BUILTIN__KEY_ROTATION_INTERVAL=2s")
	cc := url.Values{"grant_type": {"client_credentials"}}
	first := s.token(t, cc, demoService()).Str(t, "access_token")
	if n := s.jwks(t).Len(); n != 1 {
		t.Fatalf("JWKS at start has %d keys, want 1", n)
	}
	deadline := time.Now().Add(8 * time.Second)
	for s.jwks(t).Len() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("no second key published within 8 s of a 2 s rotation interval\n%s", s.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	second := s.token(t, cc, demoService()).Str(t, "access_token")
	if kid(t, first) == kid(t, second) {
		t.Fatalf("token after rotation uses the old kid %q", kid(t, first))
	}
	for name, tok := range map[string]string{"before rotation": first, "after rotation": second} {
		ex := s.postForm(t, "/auth/introspect", url.Values{"token": {tok}}, demoService())
		if ex.Status != http.StatusOK || ex.JSON(t)["active"] != true {
			t.Errorf("token signed %s: want active\n%s", name, ex)
		}
	}
}

func kid(t *testing.T, token string) string {
	t.Helper()
	msg, err := jws.Parse([]byte(token))
	if err != nil {
		t.Fatalf("parse token: %v", err)
	}
	return msg.Signatures()[0].ProtectedHeaders().KeyID()
}
