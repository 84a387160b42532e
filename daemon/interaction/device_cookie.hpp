// A browser's identity for polls (one vote per device) and chat speed limits: the
// bvlive_device cookie, 32 random hex characters the origin gives a page that has none.
// A page embedded in another site's iframe gets no cookies (browsers keep SameSite=Lax
// cookies out of cross-site frames), so the same id may also come in an X-Bvlive-Device
// header: the page keeps the id it was given in its own storage and sends it back.
#pragma once

#include <string>

#include "protocols/http/request.hpp"
#include "protocols/http/response.hpp"

namespace bvlive {

inline constexpr const char* kDeviceCookie = "bvlive_device";
inline constexpr const char* kDeviceHeader = "x-bvlive-device";

// The request's device id (the cookie, else the header), or "" when it has none (or not
// one we could have made).
std::string device_of(const http::Request& req);
// The request's device, made when it has none; `r` gets it as a Set-Cookie unless the
// request already has that cookie.
std::string ensure_device(const http::Request& req, http::Response& r);

}  // namespace bvlive
