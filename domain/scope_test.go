package domain_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gatehouse/domain"
)

// emptyIsNil lets a test write nil for "no scopes" whether the code returns
// nil or an empty set.
var emptyIsNil = cmpopts.EquateEmpty()

func TestParseScopes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want domain.Scopes
	}{
		{"empty", "", nil},
		{"only spaces", "   \t ", nil},
		{"single", "read", domain.Scopes{"read"}},
		{"sorted", "write read", domain.Scopes{"read", "write"}},
		{"duplicates dropped", "read write read", domain.Scopes{"read", "write"}},
		{"any whitespace separates", " write\tread\nadmin  ", domain.Scopes{"admin", "read", "write"}},
		{"case kept", "Read read", domain.Scopes{"Read", "read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := domain.ParseScopes(tt.in)
			if diff := cmp.Diff(tt.want, got, emptyIsNil); diff != "" {
				t.Errorf("ParseScopes(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestNewScopesNormalises(t *testing.T) {
	got := domain.NewScopes("write", " read ", "", "write", "admin")
	want := domain.Scopes{"admin", "read", "write"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("NewScopes mismatch (-want +got):\n%s", diff)
	}
	if s := got.String(); s != "admin read write" {
		t.Errorf("String() = %q, want %q", s, "admin read write")
	}
}

func TestScopesContains(t *testing.T) {
	held := domain.ParseScopes("read write")
	tests := []struct {
		name string
		sub  string
		want bool
	}{
		{"empty subset", "", true},
		{"one held", "read", true},
		{"all held", "write read", true},
		{"one missing", "read admin", false},
		{"prefix is not a match", "rea", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := held.Contains(domain.ParseScopes(tt.sub)); got != tt.want {
				t.Errorf("%v.Contains(%q) = %v, want %v", held, tt.sub, got, tt.want)
			}
		})
	}
}

func TestScopesSetOperations(t *testing.T) {
	tests := []struct {
		name                  string
		a, b                  string
		intersect, union, aMb domain.Scopes
	}{
		{
			name: "overlap", a: "read write", b: "write admin",
			intersect: domain.Scopes{"write"},
			union:     domain.Scopes{"admin", "read", "write"},
			aMb:       domain.Scopes{"read"},
		},
		{
			name: "disjoint", a: "read", b: "admin",
			intersect: nil,
			union:     domain.Scopes{"admin", "read"},
			aMb:       domain.Scopes{"read"},
		},
		{
			name: "equal", a: "read write", b: "write read",
			intersect: domain.Scopes{"read", "write"},
			union:     domain.Scopes{"read", "write"},
			aMb:       nil,
		},
		{
			name: "empty left", a: "", b: "read",
			intersect: nil,
			union:     domain.Scopes{"read"},
			aMb:       nil,
		},
		{
			name: "empty right", a: "read", b: "",
			intersect: nil,
			union:     domain.Scopes{"read"},
			aMb:       domain.Scopes{"read"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := domain.ParseScopes(tt.a), domain.ParseScopes(tt.b)
			if diff := cmp.Diff(tt.intersect, a.Intersect(b), emptyIsNil); diff != "" {
				t.Errorf("Intersect mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.union, a.Union(b), emptyIsNil); diff != "" {
				t.Errorf("Union mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.aMb, a.Minus(b), emptyIsNil); diff != "" {
				t.Errorf("Minus mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestScopesUnionDoesNotAlias(t *testing.T) {
	a := make(domain.Scopes, 1, 4)
	a[0] = "read"
	_ = a.Union(domain.Scopes{"write"})
	if got := a[:2][1]; got != "" {
		t.Errorf("Union wrote %q into the receiver's spare capacity", got)
	}
}

func TestValidScopeToken(t *testing.T) {
	tests := []struct {
		name  string
		token string
		want  bool
	}{
		{"plain", "read", true},
		{"punctuation allowed", "mcp:tools/call!#$%&'()*+,-./;<=>?@[]^_`{|}~", true},
		{"empty", "", false},
		{"space", "a b", false},
		{"double quote", `a"b`, false},
		{"backslash", `a\b`, false},
		{"control character", "a\x00b", false},
		{"DEL", "a\x7f", false},
		{"non-ASCII", "lecture-é", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.ValidScopeToken(tt.token); got != tt.want {
				t.Errorf("ValidScopeToken(%q) = %v, want %v", tt.token, got, tt.want)
			}
		})
	}
}

func TestScopeImplicationsExpand(t *testing.T) {
	tests := []struct {
		name string
		im   domain.ScopeImplications
		in   string
		want domain.Scopes
	}{
		{
			name: "transitive",
			im:   domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
			in:   "admin",
			want: domain.Scopes{"admin", "read", "write"},
		},
		{
			name: "nothing implied",
			im:   domain.ScopeImplications{"admin": {"write"}},
			in:   "read",
			want: domain.Scopes{"read"},
		},
		{
			name: "cycle terminates",
			im:   domain.ScopeImplications{"a": {"b"}, "b": {"c"}, "c": {"a"}},
			in:   "b",
			want: domain.Scopes{"a", "b", "c"},
		},
		{
			name: "self loop",
			im:   domain.ScopeImplications{"a": {"a", "b"}},
			in:   "a",
			want: domain.Scopes{"a", "b"},
		},
		{
			name: "diamond without duplicates",
			im:   domain.ScopeImplications{"top": {"l", "r"}, "l": {"base"}, "r": {"base"}},
			in:   "top",
			want: domain.Scopes{"base", "l", "r", "top"},
		},
		{
			name: "nil implications",
			im:   nil,
			in:   "write read",
			want: domain.Scopes{"read", "write"},
		},
		{
			name: "empty input",
			im:   domain.ScopeImplications{"admin": {"write"}},
			in:   "",
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.im.Expand(domain.ParseScopes(tt.in))
			if diff := cmp.Diff(tt.want, got, emptyIsNil); diff != "" {
				t.Errorf("Expand(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestScopeImplicationsSatisfies(t *testing.T) {
	im := domain.ScopeImplications{"admin": {"write"}, "write": {"read"}}
	if !im.Satisfies(domain.ParseScopes("admin"), domain.ParseScopes("read")) {
		t.Error("admin should satisfy read through write")
	}
	if im.Satisfies(domain.ParseScopes("read"), domain.ParseScopes("write")) {
		t.Error("read should not satisfy write: implications point one way")
	}
}

func TestToolPolicyRequired(t *testing.T) {
	p := domain.ToolPolicy{
		Rules: []domain.ToolRule{
			{Match: "admin_*", Scopes: domain.ParseScopes("admin")},
			{Match: "admin_read_logs", Scopes: domain.ParseScopes("read")}, // shadowed by the rule above
			{Match: "write_?", Scopes: domain.ParseScopes("write")},
			{Match: "echo", Scopes: nil},
		},
		Default: domain.ParseScopes("read"),
	}
	tests := []struct {
		tool string
		want domain.Scopes
	}{
		{"admin_delete", domain.Scopes{"admin"}},
		{"admin_read_logs", domain.Scopes{"admin"}},
		{"write_a", domain.Scopes{"write"}},
		{"write_ab", domain.Scopes{"read"}},
		{"echo", nil},
		{"unlisted", domain.Scopes{"read"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, p.Required(tt.tool), emptyIsNil); diff != "" {
				t.Errorf("Required(%q) mismatch (-want +got):\n%s", tt.tool, diff)
			}
		})
	}
}

func TestToolPolicyAllows(t *testing.T) {
	p := domain.ToolPolicy{
		Rules: []domain.ToolRule{
			{Match: "delete_*", Scopes: domain.ParseScopes("admin")},
			{Match: "edit", Scopes: domain.ParseScopes("write")},
			{Match: "publish", Scopes: domain.ParseScopes("write review")},
			{Match: "ping", Scopes: nil},
		},
		Default:      domain.ParseScopes("read"),
		Implications: domain.ScopeImplications{"admin": {"write"}, "write": {"read"}},
	}
	tests := []struct {
		name        string
		tool        string
		held        string
		wantOK      bool
		wantMissing domain.Scopes
	}{
		{"exact scope", "edit", "write", true, nil},
		{"implied scope", "edit", "admin", true, nil},
		{"implied transitively by default", "search", "admin", true, nil},
		{"lacking", "delete_user", "write", false, domain.Scopes{"admin"}},
		{"nothing held", "search", "", false, domain.Scopes{"read"}},
		{"missing only the unheld part", "publish", "admin", false, domain.Scopes{"review"}},
		{"missing all parts", "publish", "read", false, domain.Scopes{"review", "write"}},
		{"rule needing nothing", "ping", "", true, nil},
		{"implication does not go upward", "delete_x", "read write", false, domain.Scopes{"admin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, missing := p.Allows(tt.tool, domain.ParseScopes(tt.held))
			if ok != tt.wantOK {
				t.Errorf("Allows(%q, %q) ok = %v, want %v", tt.tool, tt.held, ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.wantMissing, missing, emptyIsNil); diff != "" {
				t.Errorf("Allows(%q, %q) missing mismatch (-want +got):\n%s", tt.tool, tt.held, diff)
			}
		})
	}
}

func TestToolPolicyRulesOutrankToolDefaults(t *testing.T) {
	p := domain.ToolPolicy{
		Rules:   []domain.ToolRule{{Match: "up_get_*", Scopes: domain.ParseScopes("read:data")}},
		Default: domain.ParseScopes("write"),
		ToolDefaults: func(tool string) (domain.Scopes, bool) {
			if strings.HasPrefix(tool, "up_") {
				return domain.ParseScopes("admin"), true
			}
			return nil, false
		},
	}
	for tool, want := range map[string]domain.Scopes{
		"up_get_rows": {"read:data"}, // a rule names it
		"up_drop":     {"admin"},     // the tool's own default
		"whoami":      {"write"},     // neither: the policy default
	} {
		if diff := cmp.Diff(want, p.Required(tool)); diff != "" {
			t.Errorf("Required(%q) mismatch (-want +got):\n%s", tool, diff)
		}
	}
}

func TestScopesForHints(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name string
		h    domain.ToolHints
		want domain.Scopes
	}{
		{"read-only", domain.ToolHints{ReadOnly: true}, domain.Scopes{"read"}},
		{"read-only wins over destructive", domain.ToolHints{ReadOnly: true, Destructive: &yes}, domain.Scopes{"read"}},
		{"destructive", domain.ToolHints{Destructive: &yes}, domain.Scopes{"admin"}},
		{"declared not destructive", domain.ToolHints{Destructive: &no}, domain.Scopes{"write"}},
		{"no hints", domain.ToolHints{}, domain.Scopes{"write"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, domain.ScopesForHints(tt.h)); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
