// One block of ffmpeg's -progress output (key=value lines ending with progress=...).
// Fields ffmpeg reports as "N/A" are left empty.
#pragma once

#include <cstdint>
#include <optional>

namespace bvlive::ffmpeg {

struct Progress {
  std::optional<double> speed;          // 1.0 = real time; below 1 the packager falls behind
  std::optional<double> fps;
  std::optional<double> bitrate_kbps;   // of the output so far
  std::optional<std::int64_t> out_time_us;
  std::optional<std::int64_t> total_size;  // output bytes so far
  std::optional<std::int64_t> frame;       // video frames written
  bool ended = false;                      // progress=end: the last block
};

}  // namespace bvlive::ffmpeg
