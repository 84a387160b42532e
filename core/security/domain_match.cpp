#include "core/security/domain_match.hpp"

#include "util/ascii.hpp"

namespace bvlive::security {

namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Lower case, one trailing dot dropped, IPv6 brackets dropped.
std::string normalize(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string out(host);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

// A DNS-style name or IPv4 address: labels of [A-Za-z0-9_-], none empty.
bool valid_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (is_alnum(c) || c == '-' || c == '_') {
      if (++label > 63) return false;
    } else {
      return false;
    }
  }
  return label > 0;
}

// The inside of an IPv6 literal: hex digits, ':' and '.' (an embedded IPv4), at least one ':'.
bool valid_ipv6(std::string_view host) {
  if (host.size() < 2 || host.find(':') == std::string_view::npos) return false;
  for (char c : host)
    if (!is_hex(c) && c != ':' && c != '.') return false;
  return true;
}

bool valid_port(std::string_view port) {
  if (port.size() > 5) return false;
  for (char c : port)
    if (c < '0' || c > '9') return false;
  return true;  // empty is allowed by RFC 3986 ("host:")
}

}  // namespace

bool same_authority(std::string_view value, std::string_view host_header) {
  const auto sep = value.find("://");
  if (sep == std::string_view::npos || host_header.empty()) return false;
  std::string_view authority = value.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  return !authority.empty() && iequals(authority, host_header);
}

std::optional<std::string> request_host(std::string_view value) {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://"
  const auto sep = value.find("://");
  if (sep == std::string_view::npos || sep == 0 || !is_alnum(value[0]) || (value[0] >= '0' && value[0] <= '9'))
    return std::nullopt;
  for (char c : value.substr(0, sep))
    if (!is_alnum(c) && c != '+' && c != '-' && c != '.') return std::nullopt;

  std::string_view authority = value.substr(sep + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);

  std::string_view host;
  std::string_view rest;  // ":port" or empty
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    rest = authority.substr(close + 1);
    if (!valid_ipv6(host)) return std::nullopt;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    rest = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    if (!valid_name(host)) return std::nullopt;
  }
  if (!rest.empty() && (rest.front() != ':' || !valid_port(rest.substr(1)))) return std::nullopt;
  return normalize(host);
}

bool domain_allowed(std::string_view host_text, std::span<const std::string> allowed) {
  const std::string host = normalize(host_text);
  if (host.empty()) return false;
  for (const std::string& pattern_text : allowed) {
    const std::string pattern = normalize(pattern_text);
    if (pattern.starts_with("*.")) {
      const std::string_view suffix = std::string_view(pattern).substr(1);  // ".example.com"
      if (suffix.size() > 1 && host.size() > suffix.size() && host.ends_with(suffix)) return true;
    } else if (!pattern.empty() && host == pattern) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> domain_pattern_error(std::string_view pattern) {
  const std::string quoted = "\"" + std::string(pattern) + "\"";
  if (pattern.empty()) return "empty domain; give a host name such as example.com or *.example.com";
  if (pattern.find("://") != std::string_view::npos || pattern.find('/') != std::string_view::npos)
    return "domain " + quoted + " is a URL; give only the host name, such as example.com";
  if (pattern.front() == '[' && pattern.back() == ']') {
    if (valid_ipv6(pattern.substr(1, pattern.size() - 2))) return std::nullopt;
    return "domain " + quoted + " is not a valid IPv6 address";
  }
  std::string_view name = pattern;
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.find('*') != std::string_view::npos)
    return "domain " + quoted + ": a wildcard is only allowed as a leading \"*.\", such as *.example.com";
  if (name.find(':') != std::string_view::npos) {
    if (name == pattern && valid_ipv6(name)) return std::nullopt;
    return "domain " + quoted + " has a port; give only the host name (ports are not compared)";
  }
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (!valid_name(name))
    return "domain " + quoted + " is not a valid host name (letters, digits, '-', '_' and dot-separated labels)";
  return std::nullopt;
}

}  // namespace bvlive::security
