package clientmeta

import (
	"errors"
	"testing"

	"gatehouse/domain"
)

func TestIsMetadataURL(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"https with path", "https://app.example/client.json", true},
		{"http with path", "http://localhost:8080/client", true},
		{"https with query", "https://app.example/c?v=1", true},
		{"root path", "https://app.example/", false},
		{"no path", "https://app.example", false},
		{"opaque id", "my-client", false},
		{"uuid", "0d4c6a0e-2f6b-4f35-9a5b-6e3f2c9d1a11", false},
		{"other scheme", "ftp://app.example/client", false},
		{"private-use scheme", "com.example.app:/client", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsMetadataURL(tt.id); got != tt.want {
				t.Errorf("IsMetadataURL(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	f := New(Config{AllowHTTP: true, AllowHosts: []string{"dev.example"}})
	strict := New(Config{AllowHosts: []string{"dev.example"}})
	tests := []struct {
		name string
		f    *Fetcher
		url  string
		ok   bool
	}{
		{"https", f, "https://app.example/client.json", true},
		{"https with port and query", f, "https://app.example:8443/c?x=1", true},
		{"http allow-listed", f, "http://dev.example/client.json", true},
		{"http allow-listed, http disabled", strict, "http://dev.example/client.json", false},
		{"http not allow-listed", f, "http://app.example/client.json", false},
		{"fragment", f, "https://app.example/client.json#x", false},
		{"empty fragment", f, "https://app.example/client.json#", false},
		{"userinfo", f, "https://user@app.example/client.json", false},
		{"password", f, "https://user:pw@app.example/client.json", false},
		{"no path", f, "https://app.example", false},
		{"root path", f, "https://app.example/", false},
		{"dot segment", f, "https://app.example/./client.json", false},
		{"dot-dot segment", f, "https://app.example/a/../client.json", false},
		{"trailing dot-dot", f, "https://app.example/a/..", false},
		{"encoded dot-dot", f, "https://app.example/a/%2e%2E/client.json", false},
		{"dots inside a name", f, "https://app.example/a..b/.well-known/c.json", true},
		{"no host", f, "https:///client.json", false},
		{"opaque", f, "https:client.json", false},
		{"scheme ftp", f, "ftp://app.example/client.json", false},
		{"unparsable", f, "https://app.example/%zz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.f.checkURL(tt.url)
			if (err == nil) != tt.ok {
				t.Fatalf("checkURL(%q) = %v, want ok %v", tt.url, err, tt.ok)
			}
			if err != nil && !errors.Is(err, domain.ErrInvalidClient("")) {
				t.Errorf("checkURL(%q) = %v, want invalid_client", tt.url, err)
			}
		})
	}
}
