#include "net/descriptor_reserve.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <climits>

namespace bvlive::net {

namespace {
constexpr rlim_t kMinReserve = 64;
}  // namespace

bool in_descriptor_reserve(int fd) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return false;
  const rlim_t reserve = std::max<rlim_t>(kMinReserve, lim.rlim_cur / 8);
  const rlim_t threshold = lim.rlim_cur > 2 * reserve ? lim.rlim_cur - reserve : lim.rlim_cur / 2;
  return static_cast<rlim_t>(fd) >= threshold;
}

}  // namespace bvlive::net
