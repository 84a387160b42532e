// The one thing the origin needs from cookies (RFC 6265 section 5.4): the value of a named
// cookie in a request's Cookie header, and a Set-Cookie line for one of its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace bvlive::http {

// "a=1; bvlive_device=abc" -> cookie_value(header, "bvlive_device") == "abc". Surrounding
// double quotes are removed; nullopt when absent.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);

// "NAME=VALUE; Path=/; Max-Age=N; HttpOnly; SameSite=Lax": readable by the server only, sent
// with same-site requests (and top-level navigations), for `max_age_seconds`.
std::string set_cookie_line(std::string_view name, std::string_view value, long long max_age_seconds);

}  // namespace bvlive::http
