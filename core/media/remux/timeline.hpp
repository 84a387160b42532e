// Turns an encoder's timestamps into one continuous, increasing decode timeline per track.
//
// Encoders restart their clocks, RTMP timestamps are 32-bit milliseconds that wrap after
// 49.7 days, and MPEG-TS's 33-bit 90 kHz clock wraps after 26.5 hours. A player needs each
// track's decode times to increase without gaps it cannot explain. So a step between two
// samples of a track is taken as it is when it is plausible (0 to max_step), and replaced
// by the track's last plausible step otherwise (a jump backwards, or forwards by more than
// max_step): the timeline continues where it was, as SRS and nginx-rtmp do. Each track is
// corrected on its own; the tracks of an encoder that restarted jump together and so stay
// in step. All tracks start from the earliest first timestamp, keeping their offsets.
#pragma once

#include <cstdint>
#include <optional>

#include "core/media/remux/elementary.hpp"

namespace bvlive::remux {

class Timeline {
 public:
  // Steps longer than this are jumps. Long enough for an encoder that stalled a while.
  explicit Timeline(std::int64_t max_step = 10 * kTicksPerSecond) : max_step_(max_step) {}

  // A 32-bit millisecond RTMP/FLV timestamp; wraps are steps like any other.
  std::int64_t map_ms32(TrackType track, std::uint32_t ms);
  // A 90 kHz timestamp already continuous (the TS demuxer unwraps 33 bits).
  std::int64_t map_90k(TrackType track, std::int64_t ticks);

  // How many jumps were corrected (for the log).
  std::uint64_t corrections() const { return corrections_; }
  bool corrected_last() const { return corrected_last_; }

 private:
  struct Track {
    bool seen = false;
    std::int64_t last_raw = 0;   // in the input's own unit (ms or 90 kHz)
    std::int64_t last_out = 0;   // 90 kHz
    std::int64_t step = 0;       // last plausible step, 90 kHz
  };
  std::int64_t map(Track& t, std::int64_t raw_step_90k, std::int64_t raw, bool first_of_track, std::int64_t first_out);

  Track& track(TrackType t) { return t == TrackType::video ? video_ : audio_; }

  std::int64_t max_step_;
  Track video_, audio_;
  std::optional<std::int64_t> origin_ms_;   // first RTMP timestamp seen, any track
  std::optional<std::int64_t> origin_90k_;  // first TS timestamp seen, any track
  std::uint64_t corrections_ = 0;
  bool corrected_last_ = false;
};

}  // namespace bvlive::remux
