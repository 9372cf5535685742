package account_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gatehouse/adapters/tools/account"
	"gatehouse/domain"
)

var allTools = []string{
	"admin_audit_recent", "admin_clients_list", "admin_grants_list", "admin_grants_revoke",
	"admin_sessions_list", "admin_sessions_revoke", "grants_list", "grants_revoke", "whoami",
}

func TestToolsRegistered(t *testing.T) {
	cs := connect(t, newFixture(t).acc, as(admin))
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatalf("ListTools: %v", err)
	}
	var names []string
	valid := regexp.MustCompile(`^[a-z0-9_]{1,64}$`)
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
		if !valid.MatchString(tl.Name) {
			t.Errorf("tool name %q is not 1-64 chars of [a-z0-9_]", tl.Name)
		}
		if strings.TrimSpace(tl.Description) == "" {
			t.Errorf("tool %s has no description", tl.Name)
		}
		if tl.OutputSchema == nil {
			t.Errorf("tool %s has no output schema", tl.Name)
		}
	}
	if diff := cmp.Diff(allTools, names); diff != "" {
		t.Errorf("tools mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(allTools, slices.Sorted(slices.Values(account.ToolNames()))); diff != "" {
		t.Errorf("ToolNames() does not list what Register adds (-want +got):\n%s", diff)
	}
}

func TestDefaultPolicy(t *testing.T) {
	policy := domain.ToolPolicy{
		Rules:        account.DefaultPolicy(),
		Default:      domain.NewScopes("nobody-has-this"),
		Implications: domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
	}
	tests := []struct {
		tool string
		want string
	}{
		{"whoami", "read"},
		{"grants_list", "read"},
		{"grants_revoke", "write"},
		{"admin_clients_list", "admin"},
		{"admin_sessions_list", "admin"},
		{"admin_sessions_revoke", "admin"},
		{"admin_grants_list", "admin"},
		{"admin_grants_revoke", "admin"},
		{"admin_audit_recent", "admin"},
	}
	if len(tests) != len(allTools) {
		t.Fatalf("policy table covers %d tools, %d are registered", len(tests), len(allTools))
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			if got := policy.Required(tt.tool).String(); got != tt.want {
				t.Errorf("Required(%s) = %q, want %q", tt.tool, got, tt.want)
			}
		})
	}
}

func TestNoCallerIsToolError(t *testing.T) {
	cs := connect(t, newFixture(t).acc, nil)
	for _, tool := range []string{"whoami", "grants_list", "admin_clients_list"} {
		t.Run(tool, func(t *testing.T) {
			res := call(t, cs, tool, nil)
			if !res.IsError || !strings.Contains(errorText(res), "no authenticated caller") {
				t.Errorf("%s without caller = %+v, want a tool error", tool, res)
			}
		})
	}
}

func TestExternalIdentityProviderHasNoGrants(t *testing.T) {
	f := newFixture(t)
	f.acc.Grants = nil
	cs := connect(t, f.acc, as(admin))
	tests := []struct {
		tool string
		args map[string]any
	}{
		{"grants_list", nil},
		{"grants_revoke", map[string]any{"grant_id": "g-alice-1"}},
		{"admin_grants_list", map[string]any{"subject": "alice"}},
		{"admin_grants_revoke", map[string]any{"grant_id": "g-alice-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			res := call(t, cs, tt.tool, tt.args)
			if !res.IsError || !strings.Contains(errorText(res), "external identity provider") {
				t.Errorf("%s = %q (IsError %v), want a tool error about the external identity provider", tt.tool, errorText(res), res.IsError)
			}
		})
	}
}
