package http

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// peekSeeds are bodies where scanning and decoding could part ways:
// escapes, duplicates, odd types, nesting that hides look-alike keys.
var peekSeeds = []string{
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`,
	`{"method":"tools/call","params":{"arguments":{"name":"admin_x","params":{"name":"y"}},"name":"whoami"}}`,
	`{"method":"tools/call","params":{"name":"a","name":"b"}}`,
	`{"method":"tools/call","params":{"name":"a"},"params":{"name":"b"}}`,
	`{"method":"tools/call","params":{"name":"a"},"params":"b"}`,
	`{"method":"ping","method":"tools/call","params":{"name":"a"}}`,
	`{"method":"tools/call","method":"ping","params":{"name":"a"}}`,
	`{"method":"tools\/call","params":{"name":"a"}}`,
	`{"m\u0065thod":"tools/call","params":{"name":"a"}}`,
	`{"method":"tools/call","p\u0061rams":{"name":"a"}}`,
	`{"method":"tools/call","params":{"n\u0061me":"admin_x","name":"whoami"}}`,
	`{"method":"tools/call","params":{"name":"\u0061dmin"}}`,
	`{"method":"tools/call","params":{"name":"caf\u00e9"}}`,
	"{\"method\":\"tools/call\",\"params\":{\"name\":\"caf\xc3\xa9\"}}",
	"{\"method\":\"tools/call\",\"params\":{\"name\":\"bad\xff\"}}",
	`{"method":"tools/call","params":{"name":null}}`,
	`{"method":"tools/call","params":{"name":7}}`,
	`{"method":"tools/call","params":{"name":["a"]}}`,
	`{"method":"tools/call","params":{}}`,
	`{"method":"tools/call","params":null}`,
	`{"method":"tools/call","params":[{"name":"a"}]}`,
	`{"method":"tools/call","params":true}`,
	`{"method":"tools/call"}`,
	`{"method":null,"params":{"name":"a"}}`,
	`{"method":7,"params":{"name":"a"}}`,
	`{"Method":"tools/call","params":{"name":"a"}}`,
	`{"method":"tools/call","Params":{"name":"a"},"params":{"name":"b"}}`,
	`{"method":"tools/call","params":{"Name":"a","name":"b"}}`,
	` { "method" : "tools/call" , "params" : { "name" : "x" , "arguments" : { "s" : "\"}" } } } `,
	`{"a":[1,{"b":"]}"},-1.5e3,true,false,null],"method":"tools/call","params":{"x":{},"name":"n"}}`,
	`{}`, `[]`, `null`, `"tools/call"`, `7`, `{"method":"tools/call","params":{"name":""}}`,
}

// TestPeekAgreesWithDecoding: wherever the scanner answers, its answer is
// the one full decoding gives, on bodies chosen to tell them apart.
func TestPeekAgreesWithDecoding(t *testing.T) {
	for _, body := range peekSeeds {
		if !json.Valid([]byte(body)) {
			t.Fatalf("seed is not valid JSON: %s", body)
		}
		checkPeek(t, body)
	}
}

// TestPeekLeavesEscapesToTheDecoder: bodies whose raw bytes and decoded
// text differ reach the decoder, so the name admitted is the decoded one.
func TestPeekLeavesEscapesToTheDecoder(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"method":"tools\/call","params":{"name":"a"}}`, "a"},
		{`{"m\u0065thod":"tools/call","params":{"name":"a"}}`, "a"},
		{`{"method":"tools/call","params":{"n\u0061me":"admin_x","name":"whoami"}}`, "whoami"},
		{`{"method":"tools/call","params":{"name":"whoami","n\u0061me":"admin_x"}}`, "admin_x"},
		{`{"method":"tools/call","params":{"name":"\u0061dmin"}}`, "admin"},
		{"{\"method\":\"tools/call\",\"params\":{\"name\":\"bad\xff\"}}", "bad\uFFFD"},
	}
	for _, tt := range tests {
		if _, ok := peekToolCall([]byte(tt.body)); ok {
			t.Errorf("scanner answered for %s; it must leave it to the decoder", tt.body)
		}
		got, isCall, err := toolCallName([]byte(tt.body))
		if err != nil || !isCall || got != tt.want {
			t.Errorf("toolCallName(%s) = (%q, %v, %v), want %q", tt.body, got, isCall, err, tt.want)
		}
	}
}

// FuzzPeekToolCall: on any valid JSON the scanner either declines or
// answers exactly what decoding answers.
func FuzzPeekToolCall(f *testing.F) {
	for _, s := range peekSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		trimmed := strings.TrimLeft(body, " \t\r\n")
		if !json.Valid([]byte(trimmed)) || strings.HasPrefix(trimmed, "[") {
			return
		}
		checkPeek(t, trimmed)
	})
}

func checkPeek(t *testing.T, body string) {
	t.Helper()
	body = strings.TrimLeft(body, " \t\r\n")
	p, ok := peekToolCall([]byte(body))
	if !ok {
		return
	}
	name, isCall, err := decodeToolCallName([]byte(body))
	if p.name != name || p.isCall != isCall || !sameRefusal(p.err, err) {
		t.Fatalf("scanner read (%q, %v, %v), decoding (%q, %v, %v): %s", p.name, p.isCall, p.err, name, isCall, err, body)
	}
}

func sameRefusal(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return errors.Is(a, b) && a.Error() == b.Error()
}
