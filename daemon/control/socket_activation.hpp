// systemd socket activation without libsystemd (same rules as sd_listen_fds(3)).
#pragma once

#include <vector>

namespace bvlive {

// The listening fds passed by systemd (3, 4, ...), or none when this process was not
// socket-activated (LISTEN_PID unset or not ours). Marks them FD_CLOEXEC and always
// removes LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES so children (ffmpeg) do not inherit them.
// Throws std::runtime_error when the variables name fds that are not open.
// Call early in main, before threads start (it uses unsetenv).
std::vector<int> systemd_listen_fds();

}  // namespace bvlive
