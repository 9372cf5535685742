package http

import "bytes"

// methodCallTool is the JSON-RPC method whose tool the edge decides.
const methodCallTool = "tools/call"

// peeked is what peekToolCall read: the answer toolCallName gives.
type peeked struct {
	name   string
	isCall bool
	err    error
}

// peekToolCall reads the tool name of a tools/call from a body that is
// valid JSON, without decoding it: it walks the top-level object for the
// last "method" and "params" members and params for its last "name", and
// compares the raw bytes. It gives up (ok false) wherever raw bytes and
// decoded text could differ: a backslash in any key it reads, or in the
// method or name. A name with bytes outside ASCII is also left to the
// decoder, which replaces invalid UTF-8 as the SDK's does.
func peekToolCall(doc []byte) (_ peeked, ok bool) {
	if doc[0] != '{' {
		// Valid JSON but not an object: the SDK refuses it.
		return peeked{}, true
	}
	method, params, ok := members(doc, "method", "params")
	if !ok {
		return peeked{}, false
	}
	if method == nil || method[0] != '"' {
		// Absent, or not a string (null decodes as ""): not a call.
		return peeked{}, true
	}
	m := method[1 : len(method)-1]
	if bytes.IndexByte(m, '\\') >= 0 {
		return peeked{}, false
	}
	if string(m) != methodCallTool {
		return peeked{}, true
	}
	if params == nil || params[0] == 'n' {
		return peeked{isCall: false, err: errNoToolName()}, true
	}
	if params[0] != '{' {
		// Not an object: the SDK refuses the call, unadmitted.
		return peeked{}, true
	}
	name, _, ok := members(params, "name", "")
	switch {
	case !ok:
		return peeked{}, false
	case name == nil || name[0] == 'n':
		return peeked{err: errNoToolName()}, true
	case name[0] != '"':
		// A name that is not a string: the SDK refuses the call, unadmitted.
		return peeked{}, true
	}
	n := name[1 : len(name)-1]
	for _, c := range n {
		if c == '\\' || c >= 0x80 {
			return peeked{}, false
		}
	}
	return peeked{name: string(n), isCall: true}, true
}

// members returns the raw values of the last members named a and b of the
// object obj (valid JSON starting with '{'); nil where there is none. ok is
// false if a key holds a backslash, so that its decoded text is unknown.
// b may be "" to look for a alone.
func members(obj []byte, a, b string) (va, vb []byte, ok bool) {
	i := skipSpace(obj, 1)
	if obj[i] == '}' {
		return nil, nil, true
	}
	for {
		end := stringEnd(obj, i)
		key := obj[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return nil, nil, false
		}
		i = skipSpace(obj, end) // at ':'
		i = skipSpace(obj, i+1) // at the value
		vend := valueEnd(obj, i)
		switch string(key) {
		case a:
			va = obj[i:vend]
		case b:
			if b != "" {
				vb = obj[i:vend]
			}
		}
		i = skipSpace(obj, vend) // at ',' or '}'
		if obj[i] == '}' {
			return va, vb, true
		}
		i = skipSpace(obj, i+1)
	}
}

// The scanners below assume valid JSON, which json.Valid has checked.

func skipSpace(doc []byte, i int) int {
	for i < len(doc) {
		switch doc[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string starting at doc[i].
func stringEnd(doc []byte, i int) int {
	for i++; ; i++ {
		switch doc[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
}

// valueEnd returns the index just past the value starting at doc[i].
func valueEnd(doc []byte, i int) int {
	switch doc[i] {
	case '"':
		return stringEnd(doc, i)
	case '{', '[':
		depth := 0
		for ; ; i++ {
			switch doc[i] {
			case '"':
				i = stringEnd(doc, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
	default: // number, true, false, null
		for i < len(doc) {
			switch doc[i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				return i
			}
			i++
		}
		return i
	}
}
