// Small pieces the origin's route files share: a path cut into its parts, a refusal that
// no cache keeps.
#pragma once

#include <string>
#include <vector>

#include "http/http_server.hpp"

namespace bvlive {

// "/live/abc//index.m3u8" -> {"live", "abc", "index.m3u8"}: empty parts dropped.
std::vector<std::string> split_path(const std::string& path);

// A text answer with `status` and a one-line reason, Cache-Control: no-store.
http::Response error(int status, std::string reason);

}  // namespace bvlive
