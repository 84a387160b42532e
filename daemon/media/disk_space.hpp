// Free space on the media disk (the file system of STATE_DIR/media), watched so that a
// nearly full disk refuses new pushes with a reason instead of taking recordings and the
// database down, warns before that, and recovers by itself when space returns.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <string>

#include "uv/timer.hpp"

namespace bvlive {

class DiskSpace {
 public:
  // Watches `path` every few seconds; pushes are refused below `min_free` bytes (0: never).
  DiskSpace(uv_loop_t* loop, std::string path, std::uint64_t min_free);

  // Reads the file system now (publish calls it, so a refusal never rests on old figures).
  void refresh();
  void set_min_free(std::uint64_t min_free);

  std::uint64_t free_bytes() const { return free_.load(); }
  std::uint64_t size_bytes() const { return size_.load(); }
  std::uint64_t min_free() const { return min_free_.load(); }
  const std::string& path() const { return path_; }
  // Why a push is refused now, or "" (any thread: SRT asks from libsrt's).
  std::string refusal() const;

 private:
  std::string path_;
  std::atomic<std::uint64_t> free_{0};
  std::atomic<std::uint64_t> size_{0};
  std::atomic<std::uint64_t> min_free_;
  enum class Level { Ok, Warned, Low } level_ = Level::Ok;  // for logging crossings once
  uv::Timer timer_;
};

}  // namespace bvlive
