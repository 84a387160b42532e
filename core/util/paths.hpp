// Default locations of the control socket and the state directory. The daemon and the
// CLI resolve them with the same rules, so a plain `bvlived` and a plain `bvlive` meet.
//
// Socket (first that applies):
//   $XDG_RUNTIME_DIR/bvlive/bvlived.sock   XDG_RUNTIME_DIR set (a user session)
//   /run/bvlive/bvlived.sock               uid 0 (the system service)
//   /tmp/bvlive-UID/bvlived.sock           anyone else
// State directory (first that applies):
//   /var/lib/bvlive                        uid 0 and XDG_RUNTIME_DIR unset (the service)
//   $XDG_STATE_HOME/bvlive                 XDG_STATE_HOME set
//   $HOME/.local/state/bvlive              HOME set
//   /var/lib/bvlive                        uid 0 (no HOME either)
//   /var/tmp/bvlive-UID                    anyone else (no HOME: survives a reboot at least)
//
// Unset, empty and relative values count as unset (the XDG base directory rule: a relative
// path in one of these variables is invalid and ignored).
#pragma once

#include <sys/types.h>

#include <string>

namespace bvlive {

inline constexpr const char* kSocketEnv = "BVLIVE_SOCKET";
inline constexpr const char* kSocketFileName = "bvlived.sock";

std::string default_socket_path(const char* xdg_runtime_dir, uid_t uid);

// xdg_runtime_dir tells the service (root, no login session) from root in a login
// session; leaving it out means "unset", i.e. root gets /var/lib/bvlive.
std::string default_state_dir(const char* xdg_state_home, const char* home, uid_t uid,
                              const char* xdg_runtime_dir = nullptr);

// The same rules applied to this process: getenv() and geteuid().
// socket_path_from_env() honours $BVLIVE_SOCKET first (when not empty).
std::string socket_path_from_env();
std::string state_dir_from_env();

}  // namespace bvlive
