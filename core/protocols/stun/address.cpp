#include "protocols/stun/address.hpp"

#include <cstdio>

namespace bvlive::stun {

Address Address::ipv4(std::array<std::uint8_t, 4> octets, std::uint16_t port) {
  Address a;
  for (std::size_t i = 0; i < 4; ++i) a.ip[i] = octets[i];
  a.port = port;
  return a;
}

Address Address::ipv6(std::array<std::uint8_t, 16> octets, std::uint16_t port) {
  Address a;
  a.v6 = true;
  a.ip = octets;
  a.port = port;
  return a;
}

std::string to_string(const Address& address) {
  char buf[64];
  std::string out;
  if (!address.v6) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u:%u", address.ip[0], address.ip[1], address.ip[2], address.ip[3],
                  address.port);
    return buf;
  }
  out = "[";
  for (std::size_t i = 0; i < 16; i += 2) {
    if (i) out += ':';
    std::snprintf(buf, sizeof buf, "%x", static_cast<unsigned>(address.ip[i] << 8 | address.ip[i + 1]));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "]:%u", address.port);
  return out + buf;
}

}  // namespace bvlive::stun
