// A browser's identity for polls (one vote per device) and chat speed limits: the
// bvlive_device cookie, 32 random hex characters the origin gives a page that has none.
#pragma once

#include <string>

#include "protocols/http/request.hpp"
#include "protocols/http/response.hpp"

namespace bvlive {

inline constexpr const char* kDeviceCookie = "bvlive_device";

// The request's device id, or "" when it has none (or not one we could have made).
std::string device_of(const http::Request& req);
// Gives `r` a Set-Cookie with a new device id when the request has none; returns the id
// the request now stands for.
std::string ensure_device(const http::Request& req, http::Response& r);

}  // namespace bvlive
