package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"
)

// FuzzToolCallName: the scope decision reads the same tool name the MCP
// layer will run. Against a strict, case-sensitive decoder (the reading the
// SDK makes), a name toolCallName admits is that decoder's name, and a body
// the strict decoder reads as tools/call with a string name is never waved
// through without one. Batches are always refused.
func FuzzToolCallName(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"admin_grants_revoke","name":"whoami"}}`,
		`{"method":"tools/call","params":{"name":"a","name":"b"}}`,
		`{"method":"tools/list"}`,
		`[{"method":"tools/call","params":{"name":"x"}}]`,
		`{"method":"tools/call","params":[]}`,
		`{"method":"tools/call","params":{"name":null}}`,
		`{"method":"tools/call","params":{"name":"\u0061dmin"}}`,
		` {"method":"tools/call","params":{"name":"x"}}`,
		`not json`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		name, ok, err := toolCallName([]byte(body))
		if strings.HasPrefix(strings.TrimLeft(body, " \t\r\n"), "[") && err == nil {
			t.Fatalf("batch not refused: %q", body)
		}
		var strict struct {
			Method string `json:"method"`
			Params *struct {
				Name *string `json:"name"`
			} `json:"params"`
		}
		if jsonv2.Unmarshal([]byte(body), &strict, jsonv2.RejectUnknownMembers(false)) != nil {
			return // the strict reader refuses it; so does the SDK
		}
		isCall := strict.Method == "tools/call" && strict.Params != nil && strict.Params.Name != nil
		if ok && (!isCall || *strict.Params.Name != name) {
			t.Fatalf("admitted tool %q, the strict reading is %+v: %q", name, strict, body)
		}
		if isCall && !ok && err == nil {
			t.Fatalf("tools/call of %q neither admitted nor refused: %q", *strict.Params.Name, body)
		}
	})
}

// FuzzAllowlist: an entry configuration accepts never panics the parser,
// and membership agrees with netip on the unmapped, zone-free address.
func FuzzAllowlist(f *testing.F) {
	for _, seed := range [][2]string{
		{"10.0.0.0/8", "10.1.2.3"}, {"::1", "::1"}, {"2001:db8::/32", "2001:db8::1"},
		{"192.168.1.1", "::ffff:192.168.1.1"}, {"fe80::/10", "fe80::1%eth0"}, {"0.0.0.0/0", "8.8.8.8"},
		{"1.2.3.4/33", "1.2.3.4"}, {"nope", "1.2.3.4"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, entry, ip string) {
		prefix, perr := netip.ParsePrefix(entry)
		addr, aerr := netip.ParseAddr(entry)
		if perr != nil && aerr != nil {
			return // configuration refuses it before the edge is built
		}
		l := parseAllowlist([]string{entry})
		if perr != nil {
			addr = addr.WithZone("").Unmap()
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		want := false
		if a, err := netip.ParseAddr(ip); err == nil {
			want = prefix.Masked().Contains(a.WithZone("").Unmap())
		}
		if got := l.allows(ip); got != want {
			t.Fatalf("allowlist %q admits %q: %v, want %v", entry, ip, got, want)
		}
	})
}

// FuzzOAuthForms: whatever form the token, revocation and introspection
// endpoints receive, and whatever query the authorization endpoint gets,
// the answer is a deliberate one: never a 5xx, and an error is RFC 6749
// JSON, an error page, or a redirect.
func FuzzOAuthForms(f *testing.F) {
	for _, seed := range []string{
		"grant_type=client_credentials&scope=read",
		"grant_type=authorization_code&code=x&code_verifier=y&redirect_uri=http://127.0.0.1/cb",
		"grant_type=refresh_token&refresh_token=%00",
		"grant_type=password&username=a&password=b",
		"response_type=code&client_id=demo&code_challenge=abc&code_challenge_method=S256&redirect_uri=http%3A%2F%2Flocalhost%2Fcb",
		"token=abc&token_type_hint=refresh_token",
		"a=%zz&&&=;",
		"scope=" + strings.Repeat("x ", 300),
	} {
		f.Add(seed)
	}
	e := newEdge(f)
	f.Fuzz(func(t *testing.T, form string) {
		for _, path := range []string{"/auth/token", "/auth/revoke", "/auth/introspect"} {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth("demo-service", "demo-service-secret")
			checkDeliberate(t, path, e.do(req))
		}
		req := httptest.NewRequest(http.MethodGet, "/auth/authorize", nil)
		req.URL.RawQuery = form
		checkDeliberate(t, "/auth/authorize", e.do(req))
	})
}

func checkDeliberate(t *testing.T, path string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("%s answered %d: %s", path, rec.Code, rec.Body)
	}
	if rec.Code >= 400 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		var body struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
			t.Fatalf("%s answered %d without an RFC 6749 error: %s", path, rec.Code, rec.Body)
		}
	}
}
