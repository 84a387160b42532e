#include "socket_path.hpp"

#include "util/paths.hpp"

namespace bvlive::cli {

std::string resolve_socket_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  return socket_path_from_env();
}

}  // namespace bvlive::cli
