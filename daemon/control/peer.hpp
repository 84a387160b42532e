// Who is on the other end of a control connection (SO_PEERCRED), for authorization
// decisions and for the uid recorded in live events.
#pragma once

#include <sys/types.h>

#include <optional>

namespace bvlive {

struct Peer {
  std::optional<uid_t> uid;  // unset when the kernel could not tell (e.g. an adopted odd fd)
  std::optional<pid_t> pid;
};

}  // namespace bvlive
