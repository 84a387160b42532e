#include "core/security/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace bvlive::security {

namespace {

constexpr std::uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_v4_mapped(const IpAddress& address) {
  return std::equal(std::begin(kMappedPrefix), std::end(kMappedPrefix), address.begin());
}

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool all_digits(std::string_view text, std::size_t max_length) {
  return !text.empty() && text.size() <= max_length &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// One X-Forwarded-For entry without its port or brackets: "[2001:db8::1]:443" ->
// "2001:db8::1", "192.0.2.1:5678" -> "192.0.2.1". A bare IPv6 address (two colons or more)
// is left alone. Whatever is left is checked by parse_ip_address.
std::string_view strip_port(std::string_view entry) {
  if (!entry.empty() && entry.front() == '[') {
    const auto close = entry.find(']');
    if (close == std::string_view::npos) return {};
    const auto rest = entry.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !all_digits(rest.substr(1), 5))) return {};
    return entry.substr(1, close - 1);
  }
  const auto colon = entry.find(':');
  if (colon != std::string_view::npos && entry.find(':', colon + 1) == std::string_view::npos) {
    if (!all_digits(entry.substr(colon + 1), 5)) return {};
    return entry.substr(0, colon);
  }
  return entry;
}

}  // namespace

std::optional<IpAddress> parse_ip_address(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  const std::string zero_terminated(text);
  IpAddress address{};
  in_addr v4{};
  if (inet_pton(AF_INET, zero_terminated.c_str(), &v4) == 1) {
    std::copy(std::begin(kMappedPrefix), std::end(kMappedPrefix), address.begin());
    std::memcpy(address.data() + 12, &v4, sizeof v4);
    return address;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, zero_terminated.c_str(), &v6) != 1) return std::nullopt;
  std::memcpy(address.data(), &v6, sizeof v6);
  return address;
}

std::string format_ip_address(const IpAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(address)) {
    in_addr v4{};
    std::memcpy(&v4, address.data() + 12, sizeof v4);
    inet_ntop(AF_INET, &v4, text, sizeof text);
  } else {
    in6_addr v6{};
    std::memcpy(&v6, address.data(), sizeof v6);
    inet_ntop(AF_INET6, &v6, text, sizeof text);
  }
  return text;
}

bool AddressRange::contains(const IpAddress& address) const {
  const int full_bytes = prefix_length / 8;
  if (!std::equal(network.begin(), network.begin() + full_bytes, address.begin())) return false;
  const int rest_bits = prefix_length % 8;
  if (rest_bits == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest_bits));
  return (address[full_bytes] & mask) == network[full_bytes];
}

bool AddressRange::contains(std::string_view ip) const {
  const auto address = parse_ip_address(ip);
  return address && contains(*address);
}

std::string AddressRange::to_string() const {
  const bool v4 = is_v4_mapped(network) && prefix_length >= 96;
  return format_ip_address(network) + "/" + std::to_string(v4 ? prefix_length - 96 : prefix_length);
}

std::variant<AddressRange, std::string> parse_address_range(std::string_view text) {
  text = trim(text);
  const std::string quoted = "'" + std::string(text) + "'";
  const auto slash = text.find('/');
  const auto address_text = text.substr(0, slash);
  const auto address = parse_ip_address(address_text);
  if (!address)
    return quoted + " is not an IP address or network; expected e.g. 203.0.113.7, 203.0.113.0/24, "
                    "2001:db8::1 or 2001:db8::/32";
  const bool v4 = address_text.find(':') == std::string_view::npos;
  const int max_length = v4 ? 32 : 128;
  int length = max_length;
  if (slash != std::string_view::npos) {
    const auto length_text = text.substr(slash + 1);
    if (!all_digits(length_text, 3) || std::stoi(std::string(length_text)) > max_length)
      return quoted + ": the prefix length after '/' must be a number from 0 to " + std::to_string(max_length);
    length = std::stoi(std::string(length_text));
  }
  AddressRange range{*address, v4 ? 96 + length : length};
  AddressRange masked = range;
  for (int bit = range.prefix_length; bit < 128; ++bit)
    masked.network[bit / 8] &= static_cast<std::uint8_t>(~(0x80 >> (bit % 8)));
  if (masked.network != range.network)
    return quoted + " has bits set after its /" + std::to_string(length) + " prefix; write the network as " +
           masked.to_string();
  return range;
}

bool in_any(const IpAddress& address, std::span<const AddressRange> ranges) {
  return std::any_of(ranges.begin(), ranges.end(), [&](const AddressRange& r) { return r.contains(address); });
}

std::string client_address(const std::string& peer_ip, const std::string* x_forwarded_for,
                           std::span<const AddressRange> trusted_proxies) {
  const auto peer = parse_ip_address(peer_ip);
  if (!peer) return peer_ip;
  if (x_forwarded_for == nullptr || !in_any(*peer, trusted_proxies)) return format_ip_address(*peer);

  IpAddress last_trusted = *peer;
  std::string_view list = *x_forwarded_for;
  while (!trim(list).empty()) {
    const auto comma = list.rfind(',');
    const auto entry = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
    if (entry.empty()) continue;  // "a, , b": an empty element says nothing
    const auto hop = parse_ip_address(strip_port(entry));
    if (!hop) break;  // whoever wrote garbage here may have written the rest too
    if (!in_any(*hop, trusted_proxies)) return format_ip_address(*hop);
    last_trusted = *hop;
  }
  return format_ip_address(last_trusted);
}

}  // namespace bvlive::security
