// Cuts a stream of coded samples into fMP4 movie fragments, in process, the way the ffmpeg
// packager did with frag_keyframe (+frag_duration for LL-HLS parts): a fragment ends where
// the next video keyframe starts, and with part_seconds set also once it holds that much
// video. An audio-only stream has no keyframes: its fragments are cut by duration.
//
// A sample's duration is the step to the next sample of its track, so each track holds its
// newest sample until the next one arrives (or the stream ends). Audio keeps the AAC frame
// length as its step while the encoder's timestamps agree within half a frame: millisecond
// RTMP timestamps would otherwise give 21 and 22 ms frames for 21.33 ms of sound.
//
// Video before the first keyframe, and audio before the video's first keyframe, is dropped:
// no decoder could start there. A change of tracks (a new decoder configuration mid-push)
// writes out what is held, then a new init segment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <variant>
#include <vector>

#include "core/media/fmp4/stream_splitter.hpp"
#include "core/media/remux/elementary.hpp"

namespace bvlive::remux {

struct FragmenterOptions {
  double part_seconds = 0;               // 0: video fragments at keyframes only
  double audio_fragment_seconds = 0.5;   // audio-only streams (part_seconds wins when set)
};

using FragmentOutput = std::variant<fmp4::InitSegment, fmp4::Fragment>;

class Fragmenter {
 public:
  explicit Fragmenter(FragmenterOptions options = {}) : options_(options) {}

  // Declares the tracks. Unchanged ones do nothing; otherwise what is held is written out
  // and a new init segment follows.
  void set_tracks(const std::optional<TrackConfig>& video, const std::optional<TrackConfig>& audio,
                  std::vector<FragmentOutput>& out);
  // A sample of a declared track (others are ignored). Its dts must be on the continuous
  // timeline (see timeline.hpp); a dts that does not increase is nudged forward.
  void push(Sample sample, std::vector<FragmentOutput>& out);
  // End of stream: everything held becomes a last fragment.
  void flush(std::vector<FragmentOutput>& out);

  bool has_tracks() const { return video_.config || audio_.config; }
  std::size_t held_bytes() const { return video_.bytes + audio_.bytes; }
  std::uint64_t dropped_samples() const { return dropped_; }

 private:
  struct Held {
    std::int64_t dts = 0;  // track timescale
    std::int32_t composition_offset = 0;
    bool keyframe = false;
    std::uint32_t duration = 0;
    bool duration_known = false;
    Bytes data;
  };
  struct Track {
    std::optional<TrackConfig> config;
    std::uint32_t id = 0;
    std::uint32_t timescale = 0;
    std::deque<Held> held;
    std::size_t bytes = 0;
    bool started = false;          // video: a keyframe came; audio: a first sample was kept
    std::int64_t last_dts = 0;     // of the newest sample, track timescale
    bool has_last = false;
    std::uint32_t last_step = 0;
    std::int64_t known_ticks = 0;  // sum of known durations held
  };

  // A fragment of every held sample whose duration is known (flush() makes them all known).
  void cut(std::vector<FragmentOutput>& out);
  void push_video(Sample& s, std::vector<FragmentOutput>& out);
  void push_audio(Sample& s, std::vector<FragmentOutput>& out);
  static void set_duration(Track& t, std::int64_t next_dts);
  // Whether the held, complete samples of `t` make `seconds`.
  static bool full(const Track& t, double seconds);
  void write_init(std::vector<FragmentOutput>& out);

  FragmenterOptions options_;
  Track video_, audio_;
  std::uint32_t sequence_ = 1;
  std::uint64_t dropped_ = 0;
};

}  // namespace bvlive::remux
