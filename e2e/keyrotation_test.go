package e2e

import (
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
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

// TestKeysRotateCommandReachesARunningServer rotates the key file with the
// `gatehouse keys rotate` command while a server runs on it: the server picks
// the new key up, publishes both and signs with the new one.
func TestKeysRotateCommandReachesARunningServer(t *testing.T) {
	t.Parallel()
	keyFile := "GATEHOUSE_AUTH__BUILTIN__KEY_FILE=" + filepath.Join(t.TempDir(), "keys.json")
	s := startServer(t, keyFile, "GATEHOUSE_AUTH__BUILTIN__KEY_RELOAD_INTERVAL=1s")
	cc := url.Values{"grant_type": {"client_credentials"}}
	before := kid(t, s.token(t, cc, demoService()).Str(t, "access_token"))

	cmd := exec.Command(gatehouseBin, "keys", "rotate")
	cmd.Env = append(cleanEnv(), keyFile, "GATEHOUSE_SERVER__BASE_URL="+s.URL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gatehouse keys rotate: %v\n%s", err, out)
	}
	deadline := time.Now().Add(8 * time.Second)
	for s.jwks(t).Len() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("server did not publish the rotated key within 8 s\n%s", s.out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if after := kid(t, s.token(t, cc, demoService()).Str(t, "access_token")); after == before {
		t.Errorf("server still signs with the retired key %q", before)
	}
}
