#include "interaction/device_cookie.hpp"

#include <algorithm>

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

}  // namespace

std::string device_of(const http::Request& req) {
  const auto header = req.header("cookie");
  if (!header) return "";
  auto id = http::cookie_value(*header, kDeviceCookie);
  return id && well_formed(*id) ? *id : std::string();
}

std::string ensure_device(const http::Request& req, http::Response& r) {
  std::string id = device_of(req);
  if (!id.empty()) return id;
  id = random_string(kDeviceLength, "0123456789abcdef");
  r.set("Set-Cookie", http::set_cookie_line(kDeviceCookie, id, kDeviceCookieSeconds));
  return id;
}

}  // namespace bvlive
