package fetch

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// blockedAddressError is returned by the dial guard. It carries the refused
// address for logs only; Error.Message never shows it.
type blockedAddressError struct {
	addr netip.Addr
}

func (e *blockedAddressError) Error() string {
	return fmt.Sprintf("address %s is not publicly routable", e.addr)
}

// Ranges that IsPrivate/IsLoopback/… in net/netip do not cover but that must
// never be reachable from a feed URL.
var extraBlocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT, often internal cloud ranges
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking, used by some internal networks
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, includes broadcast
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

// IsPublicAddress reports whether a feed may be fetched from addr. It is the
// rule the dial guard applies when AllowPrivate is false. IPv6 forms that
// embed an IPv4 address (mapped, NAT64, 6to4) are judged by that address so
// that, for example, ::ffff:10.0.0.1 cannot reach the private network.
func IsPublicAddress(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() {
		return false
	}
	if addr.Is6() {
		b := addr.As16()
		switch {
		case nat64.Contains(addr):
			return IsPublicAddress(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(addr):
			return IsPublicAddress(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	if addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() ||
		addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() {
		return false
	}
	for _, p := range extraBlocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// dialGuard returns a net.Dialer Control hook. It runs after DNS resolution,
// once per address actually dialed and before connect(2), so neither a
// redirect nor a DNS answer that changes between checks (rebinding) can reach
// a refused address, and no packet is ever sent to one.
func dialGuard(allowPrivate bool, allowed []netip.Prefix) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return fmt.Errorf("dial guard: %w", err)
		}
		addr, err := netip.ParseAddr(host)
		if err != nil {
			// The dialer always passes a literal IP here; anything else is
			// unexpected and refused rather than trusted.
			return &blockedAddressError{}
		}
		addr = addr.WithZone("").Unmap()
		for _, p := range allowed {
			if p.Contains(addr) {
				return nil
			}
		}
		if !IsPublicAddress(addr) {
			return &blockedAddressError{addr: addr}
		}
		return nil
	}
}
