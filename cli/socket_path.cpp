#include "socket_path.hpp"

#include <sys/stat.h>

#include <cstdlib>

#include "util/paths.hpp"

namespace bvlive::cli {
namespace {

constexpr const char* kServiceSocket = "/run/bvlive/bvlived.sock";

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

}  // namespace

std::string resolve_socket_path(const std::string& flag_value) {
  if (!flag_value.empty()) return flag_value;
  const char* env = std::getenv(kSocketEnv);
  if (env != nullptr && env[0] != '\0') return env;
  // In a login session the per-user socket comes first; when no per-user daemon
  // runs there but the system service does, talk to the service.
  std::string path = socket_path_from_env();
  if (path != kServiceSocket && !is_socket(path) && is_socket(kServiceSocket)) return kServiceSocket;
  return path;
}

}  // namespace bvlive::cli
