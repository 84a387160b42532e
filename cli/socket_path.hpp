// Which socket bvlive talks to: --socket PATH, else $BVLIVE_SOCKET, else the
// daemon's default (core/util/paths.hpp).
#pragma once

#include <string>

namespace bvlive::cli {

std::string resolve_socket_path(const std::string& flag_value);

}  // namespace bvlive::cli
