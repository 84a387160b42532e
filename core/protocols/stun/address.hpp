// A transport address (IP + port) as STUN carries it, independent of the socket API so
// core stays socket-free; the daemon converts to and from sockaddr.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace bvlive::stun {

struct Address {
  bool v6 = false;
  std::array<std::uint8_t, 16> ip{};  // IPv4 uses the first 4 bytes, the rest stay zero
  std::uint16_t port = 0;

  static Address ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port);
  static Address ipv6(std::array<std::uint8_t, 16> octets, std::uint16_t port);
  bool operator==(const Address&) const = default;
};

// "192.0.2.1:32853" or "[2001:db8:0:0:0:0:0:1]:443" (groups without zero compression),
// for logs and error messages.
std::string to_string(const Address& address);

}  // namespace bvlive::stun
