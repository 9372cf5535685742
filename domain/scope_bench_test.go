package domain_test

import (
	"fmt"
	"testing"

	"gatehouse/domain"
)

// benchPolicy has twenty glob rules, as an operator's configuration might,
// followed by the built-in tools' rules, and the usual admin ⊇ write ⊇ read.
func benchPolicy() domain.ToolPolicy {
	var rules []domain.ToolRule
	for i := range 20 {
		rules = append(rules, domain.ToolRule{Match: fmt.Sprintf("svc%02d_*", i), Scopes: domain.NewScopes(fmt.Sprintf("svc%02d", i))})
	}
	rules = append(rules,
		domain.ToolRule{Match: "whoami", Scopes: domain.NewScopes("read")},
		domain.ToolRule{Match: "grants_revoke", Scopes: domain.NewScopes("write")},
		domain.ToolRule{Match: "admin_*", Scopes: domain.NewScopes("admin")},
	)
	return domain.ToolPolicy{
		Rules:        rules,
		Default:      domain.NewScopes("read"),
		Implications: domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
	}
}

// BenchmarkToolPolicyAllows is the scope decision of every tool call: the
// tool is matched against the rules in order, and the caller's scopes,
// expanded by the implications, must cover what the rule requires.
func BenchmarkToolPolicyAllows(b *testing.B) {
	p := benchPolicy()
	held := domain.NewScopes("read", "write")
	cases := []struct {
		name, tool string
		want       bool
	}{
		{"first rule", "svc00_list", false},
		{"past twenty rules", "whoami", true},
		{"implied scope", "grants_revoke", true},
		{"no rule matches", "unlisted_tool", true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ok, _ := p.Allows(c.tool, held); ok != c.want {
					b.Fatalf("Allows(%q) = %v, want %v", c.tool, ok, c.want)
				}
			}
		})
	}
}
