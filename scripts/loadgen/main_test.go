package main

import (
	"net/http"
	"testing"
	"time"
)

func TestCheckLoopback(t *testing.T) {
	tests := []struct {
		name, base string
		ok         bool
	}{
		{"IPv4 loopback", "http://127.0.0.1:8000", true},
		{"IPv6 loopback", "http://[::1]:8000", true},
		{"localhost", "http://localhost:8000", true},
		{"public address", "http://192.0.2.1:8000", false},
		{"host name", "https://example.com", false},
		{"not a URL", "127.0.0.1:8000", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkLoopback(tt.base); (err == nil) != tt.ok {
				t.Errorf("checkLoopback(%q) = %v, want ok=%v", tt.base, err, tt.ok)
			}
		})
	}
}

func TestRPCResult(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		ok          bool
	}{
		{"json result", 200, "application/json", `{"jsonrpc":"2.0","id":1,"result":{"content":[]}}`, true},
		{"stream result", 200, "text/event-stream", "event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n", true},
		{"tool error", 200, "application/json", `{"jsonrpc":"2.0","id":1,"result":{"isError":true}}`, false},
		{"rpc error", 200, "application/json", `{"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"no"}}`, false},
		{"no result", 200, "application/json", `{"jsonrpc":"2.0","id":1}`, false},
		{"refused", 401, "application/json", `{"error":"invalid_token"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {tt.contentType}}}
			if err := rpcResult(resp, []byte(tt.body)); (err == nil) != tt.ok {
				t.Errorf("rpcResult = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i))
	}
	tests := []struct {
		name string
		q    float64
		want time.Duration
	}{{"p50", 0.50, 50}, {"p99", 0.99, 99}, {"p100", 1, 100}, {"p0", 0, 1}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(d, tt.q); got != tt.want {
				t.Errorf("percentile(1..100, %v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}
