package clientmeta

import (
	"errors"
	"net/netip"
	"testing"
)

func TestBlockedAddr(t *testing.T) {
	tests := []struct {
		name    string
		ip      string
		blocked bool
	}{
		{"loopback v4", "127.0.0.1", true},
		{"loopback v4 other", "127.8.9.10", true},
		{"loopback v6", "::1", true},
		{"private 10/8", "10.1.2.3", true},
		{"private 172.16/12 low", "172.16.0.1", true},
		{"private 172.16/12 high", "172.31.255.255", true},
		{"private 192.168/16", "192.168.1.1", true},
		{"link-local v4", "169.254.1.1", true},
		{"cloud metadata", "169.254.169.254", true},
		{"cgnat low", "100.64.0.1", true},
		{"cgnat high", "100.127.255.255", true},
		{"unspecified v4", "0.0.0.0", true},
		{"this network", "0.1.2.3", true},
		{"unspecified v6", "::", true},
		{"multicast v4", "224.0.0.1", true},
		{"multicast v6", "ff02::1", true},
		{"broadcast", "255.255.255.255", true},
		{"reserved 240/4", "240.0.0.1", true},
		{"ula fc00", "fc00::1", true},
		{"ula fd", "fd12:3456::1", true},
		{"link-local v6", "fe80::1", true},
		{"link-local v6 zoned", "fe80::1%eth0", true},
		{"site-local v6", "fec0::1", true},
		{"mapped loopback", "::ffff:127.0.0.1", true},
		{"mapped private", "::ffff:10.0.0.1", true},
		{"mapped metadata", "::ffff:169.254.169.254", true},
		{"mapped cgnat", "::ffff:100.64.0.1", true},
		{"ipv4-compatible", "::10.0.0.1", true},
		{"nat64 private", "64:ff9b::a00:1", true},
		{"6to4 private", "2002:a00:1::", true},
		{"public v4", "8.8.8.8", false},
		{"public v4 near cgnat", "100.128.0.1", false},
		{"public v4 near 172.16/12", "172.32.0.1", false},
		{"public v6", "2606:4700:4700::1111", false},
		{"mapped public", "::ffff:8.8.8.8", false},
		{"nat64 public", "64:ff9b::808:808", false},
		{"6to4 public", "2002:808:808::", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ip := netip.MustParseAddr(tt.ip)
			if got := blockedAddr(ip); got != tt.blocked {
				t.Errorf("blockedAddr(%s) = %v, want %v", tt.ip, got, tt.blocked)
			}
		})
	}
}

func TestBlockedAddrInvalid(t *testing.T) {
	if !blockedAddr(netip.Addr{}) {
		t.Error("the zero Addr must be blocked")
	}
}

func TestControlAddr(t *testing.T) {
	tests := []struct {
		name    string
		address string
		blocked bool
	}{
		{"public", "93.184.216.34:443", false},
		{"loopback", "127.0.0.1:443", true},
		{"bracketed v6 link-local", "[fe80::1%25eth0]:443", true},
		{"metadata", "169.254.169.254:80", true},
		{"not an ip", "example.com:443", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := controlAddr("tcp", tt.address, nil)
			if got := errors.Is(err, errBlockedAddress); got != tt.blocked {
				t.Errorf("controlAddr(%q) = %v, blocked %v, want %v", tt.address, err, got, tt.blocked)
			}
		})
	}
}

func TestAllowList(t *testing.T) {
	a := newAllowList([]string{"Docs.Example", "127.0.0.1:8443", "[::1]", "  localhost "})
	tests := []struct {
		name       string
		host, port string
		want       bool
	}{
		{"bare host any port", "docs.example", "443", true},
		{"case-insensitive", "DOCS.example", "", true},
		{"host:port entry, same port", "127.0.0.1", "8443", true},
		{"host:port entry, other port", "127.0.0.1", "9000", false},
		{"bracketed v6 entry", "::1", "80", true},
		{"trimmed entry", "localhost", "1234", true},
		{"unlisted", "evil.example", "443", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.contains(tt.host, tt.port); got != tt.want {
				t.Errorf("contains(%q, %q) = %v, want %v", tt.host, tt.port, got, tt.want)
			}
		})
	}
}
