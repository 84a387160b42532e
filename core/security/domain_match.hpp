// Domain control for playback: which site embeds the player, from the Origin or Referer
// header, checked against a live's allowed domains ("example.com" exactly, or
// "*.example.com" for any subdomain of it). Hosts compare case-insensitively and a
// trailing dot (fully qualified form) is ignored. What to do with requests carrying
// neither header (native players) is the caller's policy, not decided here.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace bvlive::security {

// The host of an absolute URL as sent in Origin or Referer ("scheme://[user@]host[:port]/...").
// Lower case, without port, userinfo, or trailing dot; an IPv6 literal without its brackets.
// Empty optional for an empty value, "null" (opaque origin), no scheme, or an invalid host.
std::optional<std::string> request_host(std::string_view origin_or_referer);

// Whether the page named by Origin or Referer is served from `host_header` (a request's
// Host, "host[:port]"): the same host and port, compared case-insensitively. False when
// either is empty or the value is not an absolute URL.
bool same_authority(std::string_view origin_or_referer, std::string_view host_header);

// Whether `host` matches one of `allowed`: an exact name, or "*.suffix" matching any name
// ending in ".suffix" with at least one label before it (not "suffix" itself, and not
// "badsuffix"). An empty host matches nothing.
bool domain_allowed(std::string_view host, std::span<const std::string> allowed);

// Empty optional when `pattern` is usable in an allowed-domains list; else why not
// (for validating a live's domain_control before it is saved).
std::optional<std::string> domain_pattern_error(std::string_view pattern);

}  // namespace bvlive::security
