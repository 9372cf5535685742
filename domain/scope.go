package domain

import (
	"path"
	"slices"
	"strings"
)

// Scopes is a set of OAuth scope tokens, kept sorted and without duplicates so
// that two equal sets compare and print the same way (RFC 6749 §3.3 treats the
// order of scope tokens as irrelevant).
type Scopes []string

// ParseScopes splits a space-delimited scope string (RFC 6749 §3.3).
func ParseScopes(s string) Scopes {
	return NewScopes(strings.Fields(s)...)
}

// NewScopes builds a normalised set from individual tokens.
func NewScopes(tokens ...string) Scopes {
	out := make(Scopes, 0, len(tokens))
	for _, t := range tokens {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// String renders the set in the wire form, space-delimited.
func (s Scopes) String() string { return strings.Join(s, " ") }

// Has reports whether the set holds the token exactly.
func (s Scopes) Has(token string) bool {
	_, ok := slices.BinarySearch(s, token)
	return ok
}

// Contains reports whether every token of sub is in s.
func (s Scopes) Contains(sub Scopes) bool {
	for _, t := range sub {
		if !s.Has(t) {
			return false
		}
	}
	return true
}

// Intersect returns the tokens present in both sets.
func (s Scopes) Intersect(o Scopes) Scopes {
	out := Scopes{}
	for _, t := range s {
		if o.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// Union returns the tokens present in either set.
func (s Scopes) Union(o Scopes) Scopes {
	return NewScopes(append(slices.Clone(s), o...)...)
}

// Minus returns the tokens of s that are not in o.
func (s Scopes) Minus(o Scopes) Scopes {
	out := Scopes{}
	for _, t := range s {
		if !o.Has(t) {
			out = append(out, t)
		}
	}
	return out
}

// ValidScopeToken reports whether t uses only the characters RFC 6749 §3.3
// allows in a scope token (%x21 / %x23-5B / %x5D-7E).
func ValidScopeToken(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < 0x21 || c == 0x22 || c == 0x5c || c > 0x7e {
			return false
		}
	}
	return true
}

// ScopeImplications says which scopes a broader scope grants as well, for
// example admin ⊇ write ⊇ read. It is applied transitively.
type ScopeImplications map[string][]string

// Expand returns s plus everything its tokens imply, transitively.
func (im ScopeImplications) Expand(s Scopes) Scopes {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(t string) {
		if seen[t] {
			return
		}
		seen[t] = true
		for _, n := range im[t] {
			walk(n)
		}
	}
	for _, t := range s {
		walk(t)
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	return NewScopes(out...)
}

// Satisfies reports whether held (expanded by the implications) covers every
// required scope.
func (im ScopeImplications) Satisfies(held, required Scopes) bool {
	return im.Expand(held).Contains(required)
}

// ToolRule maps tool names matching Match (a path.Match glob) to the scopes a
// caller needs to use them.
type ToolRule struct {
	Match  string
	Scopes Scopes
}

// ToolPolicy decides which scopes each tool needs: the first matching rule
// wins; a tool no rule names needs what ToolDefaults says for it, and
// failing that Default.
type ToolPolicy struct {
	Rules        []ToolRule
	Default      Scopes
	Implications ScopeImplications
	// ToolDefaults, when set, gives the scopes of tools whose requirement
	// comes with the tool itself (an upstream server's annotations); ok is
	// false for a tool it does not know. It must be safe for concurrent use.
	ToolDefaults func(tool string) (scopes Scopes, ok bool)
}

// Required returns the scopes a call to the named tool needs.
func (p ToolPolicy) Required(tool string) Scopes {
	for _, r := range p.Rules {
		if ok, _ := path.Match(r.Match, tool); ok {
			return r.Scopes
		}
	}
	if p.ToolDefaults != nil {
		if s, ok := p.ToolDefaults(tool); ok {
			return s
		}
	}
	return p.Default
}

// ToolHints are the behaviour hints a tool declares about itself (MCP tool
// annotations). Destructive is nil when the tool does not say.
type ToolHints struct {
	ReadOnly    bool
	Destructive *bool
}

// ScopesForHints is the scope a tool needs when no rule names it and its
// requirement is derived from its hints: a read-only tool needs read, one
// that declares itself destructive needs admin, any other needs write. A
// hint may be wrong, but it errs toward asking for more: only a tool that
// claims to change nothing gets by with read.
func ScopesForHints(h ToolHints) Scopes {
	switch {
	case h.ReadOnly:
		return NewScopes("read")
	case h.Destructive != nil && *h.Destructive:
		return NewScopes("admin")
	default:
		return NewScopes("write")
	}
}

// Allows reports whether a caller holding held may call tool, and if not the
// scopes it lacks.
func (p ToolPolicy) Allows(tool string, held Scopes) (bool, Scopes) {
	req := p.Required(tool)
	if held.Contains(req) {
		// Held as they are; implications only add scopes, so expanding
		// (which allocates) cannot change the answer.
		return true, Scopes{}
	}
	missing := req.Minus(p.Implications.Expand(held))
	return len(missing) == 0, missing
}
