#include "util/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace bvlive {
namespace {

// Set, not empty, absolute.
bool usable(const char* dir) { return dir != nullptr && dir[0] == '/'; }

std::string join(const char* dir, const std::string& rest) {
  std::string out(dir);
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out != "/") out += '/';
  return out + rest;
}

}  // namespace

std::string default_socket_path(const char* xdg_runtime_dir, uid_t uid) {
  if (usable(xdg_runtime_dir)) return join(xdg_runtime_dir, std::string("bvlive/") + kSocketFileName);
  if (uid == 0) return std::string("/run/bvlive/") + kSocketFileName;
  return "/tmp/bvlive-" + std::to_string(uid) + "/" + kSocketFileName;
}

std::string default_state_dir(const char* xdg_state_home, const char* home, uid_t uid,
                              const char* xdg_runtime_dir) {
  if (uid == 0 && !usable(xdg_runtime_dir)) return "/var/lib/bvlive";
  if (usable(xdg_state_home)) return join(xdg_state_home, "bvlive");
  if (usable(home)) return join(home, ".local/state/bvlive");
  if (uid == 0) return "/var/lib/bvlive";
  return "/var/tmp/bvlive-" + std::to_string(uid);
}

std::string socket_path_from_env() {
  const char* explicit_path = std::getenv(kSocketEnv);
  if (explicit_path != nullptr && explicit_path[0] != '\0') return explicit_path;
  return default_socket_path(std::getenv("XDG_RUNTIME_DIR"), ::geteuid());
}

std::string state_dir_from_env() {
  return default_state_dir(std::getenv("XDG_STATE_HOME"), std::getenv("HOME"), ::geteuid(),
                           std::getenv("XDG_RUNTIME_DIR"));
}

}  // namespace bvlive
