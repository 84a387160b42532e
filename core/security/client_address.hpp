// Who is really watching: the viewer's address behind trusted reverse proxies (nginx, a
// CDN, a load balancer), from X-Forwarded-For, for geo control and logs. Only proxies the
// operator lists are believed; anyone else can write any X-Forwarded-For they like.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace bvlive::security {

// 16 bytes in network order; an IPv4 address is held IPv4-mapped (::ffff:a.b.c.d), so
// "::ffff:127.0.0.1" and "127.0.0.1" are the same address.
using IpAddress = std::array<std::uint8_t, 16>;

// A bare address in strict inet_pton syntax ("203.0.113.7", "2001:db8::1"). Empty optional
// otherwise (ports, brackets, spaces, "127.1", zone ids).
std::optional<IpAddress> parse_ip_address(std::string_view text);

// Canonical text: dotted quad for IPv4 (and IPv4-mapped IPv6), RFC 5952 form for IPv6.
std::string format_ip_address(const IpAddress& address);

// A network in CIDR notation, or one address: "203.0.113.0/24", "10.1.2.3" (a /32), "::1"
// (a /128), "2001:db8::/32". An IPv4 range matches IPv4 addresses (plain or IPv4-mapped) only.
struct AddressRange {
  IpAddress network{};    // host bits are zero
  int prefix_length = 0;  // over the 128 bits: an IPv4 /24 is stored as 96 + 24

  bool contains(const IpAddress& address) const;
  // False for text that is not an address.
  bool contains(std::string_view ip) const;
  // "203.0.113.0/24", "2001:db8::/32" (IPv4 ranges in IPv4 form).
  std::string to_string() const;
};

// The range `text` denotes (surrounding spaces ignored), or why it is not one, naming the
// text: garbage, a prefix length out of range, host bits set ("10.0.0.1/8": write 10.0.0.0/8).
std::variant<AddressRange, std::string> parse_address_range(std::string_view text);

bool in_any(const IpAddress& address, std::span<const AddressRange> ranges);

// The viewer's address for a request from `peer_ip` (the socket's peer, textual) carrying
// `x_forwarded_for` (nullptr when absent; several X-Forwarded-For headers joined with ","
// in their order). Unless the peer is in `trusted_proxies`, the header is ignored and the
// peer is the viewer. Otherwise the list is walked from the right (the hop nearest to us),
// skipping trusted proxies, and the first untrusted entry is the viewer. An entry that is
// not an address ("unknown", garbage) stops the walk: the last trusted hop is returned, as
// nothing left of it can be believed. Entries may carry spaces, a port ("1.2.3.4:5678",
// "[2001:db8::1]:443") or brackets. Addresses come back in canonical form
// (format_ip_address), so "::ffff:1.2.3.4" is returned as "1.2.3.4"; a peer_ip that is not
// an address is returned as given.
std::string client_address(const std::string& peer_ip, const std::string* x_forwarded_for,
                           std::span<const AddressRange> trusted_proxies);

}  // namespace bvlive::security
