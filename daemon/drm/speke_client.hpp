// The SPEKE v2.0 client: asks the operator's key server for the content keys of a live (and
// the DRM signalling that goes with them) by POSTing a CPIX request (core/drm/cpix) over
// HTTP(S) with libcurl. Blocking, so it runs on libuv's thread pool (fetch_keys_async),
// never on the loop.
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/drm/cpix.hpp"

namespace bvlive::drm {

struct SpekeSettings {
  std::string url;                   // the key server's SPEKE v2 endpoint, http:// or https://
  std::string username;              // HTTP Basic credentials, sent when username is set
  std::string password;
  std::vector<std::string> headers;  // extra request headers, "Name: value" (e.g. an API key)
  long timeout_ms = 10000;           // for the whole exchange, connection included
};

// POSTs the CPIX request (Content-Type: application/xml, X-Speke-Version: 2.0, Basic auth
// when username is set, the extra headers), checks the status and the X-Speke-Version of the
// answer, and parses it. The error string says what happened and what to check; it never
// holds a key (nor the password).
std::variant<CpixResponse, std::string> fetch_keys(const SpekeSettings& settings, const CpixRequest& request);

// fetch_keys on libuv's thread pool; `done` is called on the loop thread. Whatever `done`
// captures must still be there then (or be checked, as with a weak_ptr): the exchange cannot
// be cancelled once started, and lasts up to settings.timeout_ms.
void fetch_keys_async(uv_loop_t* loop, SpekeSettings settings, CpixRequest request,
                      std::function<void(std::variant<CpixResponse, std::string>)> done);

}  // namespace bvlive::drm
