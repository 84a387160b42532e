// Socket addresses as people read them in logs and session records.
#pragma once

#include <sys/socket.h>

#include <string>

namespace bvlive::net {

// "203.0.113.7:50123", "[2001:db8::1]:50123"; "unknown" for other families.
std::string format_address(const sockaddr* addr);

// Fills `out` for an IPv4 or IPv6 literal and port; throws std::runtime_error naming the
// address when it is neither.
void parse_address(const std::string& ip, int port, sockaddr_storage& out);

}  // namespace bvlive::net
