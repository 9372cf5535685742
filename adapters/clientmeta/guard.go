package clientmeta

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// errBlockedAddress is the cause when a dial would reach an internal address.
var errBlockedAddress = errors.New("clientmeta: address not allowed")

// blockedPrefixes are ranges a metadata fetch must never reach. netip's
// predicates cover loopback, RFC 1918, ULA, link-local, multicast and the
// unspecified address; these add what they leave out.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network" (RFC 791); 0.x.x.x reaches localhost on Linux
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT shared space (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments (RFC 6890)
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking (RFC 2544)
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, includes broadcast
	netip.MustParsePrefix("::/96"),          // IPv4-compatible (deprecated), includes :: and ::1
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64 (RFC 8215)
	netip.MustParsePrefix("fec0::/10"),      // site-local (deprecated)
	netip.MustParsePrefix("100::/64"),       // discard-only (RFC 6666)
	netip.MustParsePrefix("2001:db8::/32"),  // documentation; never a real server
	netip.MustParsePrefix("255.255.255.255/32"),
}

// Prefixes that embed an IPv4 address which a translator would reach.
var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// blockedAddr reports whether a fetch must not connect to ip. IPv4-mapped,
// NAT64 and 6to4 forms are judged by the IPv4 address they carry.
func blockedAddr(ip netip.Addr) bool {
	if !ip.IsValid() {
		return true
	}
	ip = ip.WithZone("").Unmap()
	if ip.Is6() {
		b := ip.As16()
		switch {
		case nat64Prefix.Contains(ip):
			return blockedAddr(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(ip):
			return blockedAddr(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return true
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// allowList holds hosts exempt from the address guard, keyed both by bare
// host (any port) and by host:port.
type allowList map[string]struct{}

func newAllowList(hosts []string) allowList {
	a := allowList{}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if host, port, err := net.SplitHostPort(h); err == nil {
			a[net.JoinHostPort(host, port)] = struct{}{}
			continue
		}
		a[strings.Trim(h, "[]")] = struct{}{}
	}
	return a
}

func (a allowList) contains(host, port string) bool {
	host = strings.ToLower(host)
	if _, ok := a[host]; ok {
		return true
	}
	if port == "" {
		return false
	}
	_, ok := a[net.JoinHostPort(host, port)]
	return ok
}

// guardedDialer checks the address each connection actually goes to, after
// resolution, so a name that resolves to a public address when validated and
// to an internal one when dialled (DNS rebinding) is still refused.
type guardedDialer struct {
	allow   allowList
	open    *net.Dialer // for allow-listed hosts
	guarded *net.Dialer // for everyone else; Control vets every resolved IP
}

func newGuardedDialer(allow allowList, timeout time.Duration) *guardedDialer {
	return &guardedDialer{
		allow:   allow,
		open:    &net.Dialer{Timeout: timeout},
		guarded: &net.Dialer{Timeout: timeout, Control: controlAddr},
	}
}

// DialContext receives the host as written in the URL, which is what the
// allow list names; the guarded dialer then sees only IPs.
func (d *guardedDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("clientmeta: dial %q: %w", addr, err)
	}
	if d.allow.contains(host, port) {
		return d.open.DialContext(ctx, network, addr)
	}
	return d.guarded.DialContext(ctx, network, addr)
}

func controlAddr(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("clientmeta: dial %q: %w", address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || blockedAddr(ip) {
		return fmt.Errorf("%w: %s %s", errBlockedAddress, network, address)
	}
	return nil
}
