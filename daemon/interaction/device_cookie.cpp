#include "daemon/interaction/device_cookie.hpp"

#include <algorithm>
#include <optional>

#include "protocols/http/cookie.hpp"
#include "util/random_id.hpp"

namespace bvlive {
namespace {

constexpr std::size_t kDeviceLength = 32;
constexpr long long kDeviceCookieSeconds = 365LL * 24 * 3600;

bool well_formed(const std::string& id) {
  return id.size() == kDeviceLength &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::optional<std::string> cookie_device(const http::Request& req) {
  if (const auto cookies = req.header("cookie"))
    if (auto id = http::cookie_value(*cookies, kDeviceCookie); id && well_formed(*id)) return id;
  return std::nullopt;
}

std::optional<std::string> header_device(const http::Request& req) {
  if (const auto header = req.header(kDeviceHeader))
    if (std::string id(*header); well_formed(id)) return id;
  return std::nullopt;
}

}  // namespace

std::string device_of(const http::Request& req) {
  if (auto id = cookie_device(req)) return *id;
  return header_device(req).value_or("");
}

std::string ensure_device(const http::Request& req, http::Response& r) {
  if (auto id = cookie_device(req)) return *id;
  // No cookie: the header's device (a page that got no cookies so far), else a new one.
  const auto sent = header_device(req);
  const std::string id = sent ? *sent : random_string(kDeviceLength, "0123456789abcdef");
  r.set("Set-Cookie", http::set_cookie_line(kDeviceCookie, id, kDeviceCookieSeconds));
  return id;
}

}  // namespace bvlive
