package redis

import (
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	goredis "github.com/redis/go-redis/v9"

	"gatehouse/domain"
	"gatehouse/ports"
)

// TestTTLsOutliveWhatTheContractNeeds: every key lives under the prefix;
// records that expire keep a TTL reaching past their ExpiresAt (by the wall
// clock, plus slack) and at least minKeep, also after the operations that
// change them (rotation, revocation, touch); records that never expire have
// no TTL.
func TestTTLsOutliveWhatTheContractNeeds(t *testing.T) {
	mr := miniredis.RunT(t)
	client := goredis.NewClient(&goredis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	wall := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s := New(client, Options{Prefix: "p:"})
	s.wall = func() time.Time { return wall }
	ctx, now := t.Context(), wall

	day := 24 * time.Hour
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateClient(ctx, domain.Client{ID: "c1"}))
	must(s.AddKey(ctx, domain.SigningKey{ID: "k1", ExpiresAt: now.Add(day)}))
	must(s.SaveConsent(ctx, domain.Consent{Subject: "alice", ClientID: "c1"}))
	must(s.CreateGrant(ctx, domain.Grant{ID: "g1", Subject: "alice", ExpiresAt: now.Add(30 * day)}))
	must(s.SaveAuthCode(ctx, domain.AuthCode{Hash: "code", GrantID: "g1", ExpiresAt: now.Add(time.Minute)}))
	must(s.SaveRefreshToken(ctx, domain.RefreshToken{Hash: "rA", GrantID: "g1", ExpiresAt: now.Add(30 * day)}))
	_, err := s.RotateRefreshToken(ctx, "rA", ports.Rotation{Next: domain.RefreshToken{Hash: "rB", GrantID: "g1", ExpiresAt: now.Add(20 * day)}}, now)
	must(err)
	must(s.Revoke(ctx, "jti:1", now.Add(2*day)))
	must(s.Revoke(ctx, "jti:1", now.Add(time.Hour))) // shorter: must not shorten
	must(s.SaveAuthRequest(ctx, domain.AuthRequest{ID: "ar1", ExpiresAt: now.Add(10 * time.Minute)}))
	ss := domain.Session{IDHash: "s1", Subject: "alice", Kind: domain.SessionMCP, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	must(s.CreateSession(ctx, ss, 3, now))
	must(s.TouchSession(ctx, ss.Slide(now, 5*time.Hour, 0), now))
	_, err = s.Allow(ctx, "tools:alice", 5, day, now)
	must(err)
	must(s.RecordInvocation(ctx, domain.ToolInvocation{Tool: "whoami"}))

	// The least TTL each key must have; 0: none at all.
	atLeast := map[string]time.Duration{
		"p:clients":              0,
		"p:keys":                 0,
		"p:consents:alice":       0,
		"p:audit":                0,
		"p:grant:g1":             30*day + keepSlack,
		"p:grants:alice":         30*day + keepSlack,
		"p:code:code":            minKeep,
		"p:refresh:rA":           30*day + keepSlack,
		"p:refresh:rB":           20*day + keepSlack,
		"p:revoked:jti:1":        2*day + keepSlack,
		"p:authreq:ar1":          minKeep,
		"p:session:s1":           5*time.Hour + keepSlack,
		"p:sessions:3:mcp:alice": 5*time.Hour + keepSlack,
		s.counterKey("tools:alice", day, windowStart(now, day)): day,
	}
	for _, k := range mr.Keys() {
		want, known := atLeast[k]
		if !known {
			t.Errorf("unexpected key %q", k)
			continue
		}
		if !strings.HasPrefix(k, "p:") {
			t.Errorf("key %q lacks the prefix", k)
		}
		got := mr.TTL(k)
		switch {
		case want == 0 && got != 0:
			t.Errorf("%s: TTL %v, want none", k, got)
		case want > 0 && got < want:
			t.Errorf("%s: TTL %v, want at least %v", k, got, want)
		}
		delete(atLeast, k)
	}
	for k := range atLeast {
		t.Errorf("key %q missing", k)
	}

	// The store did not close a client it was given.
	must(s.Close())
	must(client.Ping(ctx).Err())
}
