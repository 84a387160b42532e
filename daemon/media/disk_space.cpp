#include "daemon/media/disk_space.hpp"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstring>

#include "log/log.hpp"
#include "util/byte_size.hpp"

namespace bvlive {

namespace {
constexpr std::uint64_t kCheckMs = 5000;
}  // namespace

DiskSpace::DiskSpace(uv_loop_t* loop, std::string path, std::uint64_t min_free)
    : path_(std::move(path)), min_free_(min_free), timer_(loop) {
  refresh();
  timer_.start(kCheckMs, kCheckMs, [this] { refresh(); });
}

void DiskSpace::set_min_free(std::uint64_t min_free) {
  min_free_ = min_free;
  refresh();
}

void DiskSpace::refresh() {
  struct statvfs st {};
  if (::statvfs(path_.c_str(), &st) != 0) {
    log::warn("disk", "cannot read the free space of " + path_ + ": " + std::strerror(errno));
    return;
  }
  // f_bavail: what an unprivileged writer may still use (root's reserve excluded).
  free_ = static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
  size_ = static_cast<std::uint64_t>(st.f_blocks) * st.f_frsize;
  const std::uint64_t min = min_free_;
  const Level level = min && free_ < min ? Level::Low : min && free_ < 2 * min ? Level::Warned : Level::Ok;
  if (level == level_) return;
  const std::string figures = format_byte_size(free_) + " free on " + path_ + ", [media] min_free_space " +
                              format_byte_size(min);
  if (level == Level::Low)
    log::error("disk", "new pushes are refused: " + figures + "; free space (or lower min_free_space)");
  else if (level == Level::Warned)
    log::warn("disk", "the media disk is filling up: " + figures + "; pushes will be refused below it");
  else
    log::info("disk", "free space is back: " + figures + "; pushes are accepted");
  level_ = level;
}

std::string DiskSpace::refusal() const {
  const std::uint64_t min = min_free_, free = free_;
  if (!min || free >= min) return "";
  return "the media disk is nearly full (" + format_byte_size(free) + " free, less than [media] min_free_space " +
         format_byte_size(min) + "); try again when the operator has freed space";
}

}  // namespace bvlive
