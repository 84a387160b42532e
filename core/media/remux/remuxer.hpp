// The in-process packager's pure part: an encoder's container bytes (FLV from RTMP,
// MPEG-TS from SRT) in, init segments and fMP4 fragments out, with no copy of the media
// made by another process. The session feeds it on the loop; nothing here blocks.
//
// Start-up. The first init segment waits until every track the encoder announced (FLV
// onMetaData, the MPEG-TS program map) has its decoder configuration, or until
// wait_seconds of media have come without it (then the missing track is left out; should
// it come later, a new init segment takes it in). Samples meanwhile are held, bounded.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/media/ffmpeg/media_info.hpp"
#include "core/media/remux/flv_source.hpp"
#include "core/media/remux/fragmenter.hpp"
#include "core/media/remux/ts_source.hpp"

namespace bvlive::remux {

// samples: already demuxed (a file read with libavformat), given to feed_events().
enum class Container { flv, mpegts, samples };

struct RemuxOptions {
  FragmenterOptions fragments;
  double wait_seconds = 2.0;
  std::size_t max_held_bytes = 16u << 20;
};

struct RemuxOutput {
  std::vector<FragmentOutput> media;              // init segments and fragments, in order
  std::optional<ffmpeg::MediaInfo> media_info;    // at the first init segment, and at each new one
  std::optional<std::string> unusable;            // the push cannot go on, and why
  std::vector<std::string> notices;               // dropped or corrected, for the log
};

class Remuxer {
 public:
  Remuxer(Container container, RemuxOptions options);

  void feed(std::span<const std::uint8_t> bytes, RemuxOutput& out);
  // What a demuxer of the caller's found: tracks and samples on a continuous timeline.
  void feed_events(std::vector<SourceEvent>& events, RemuxOutput& out);
  // End of input: what is held becomes the last fragment.
  void finish(RemuxOutput& out);

  bool started() const { return started_; }
  std::size_t held_bytes() const { return fragmenter_.held_bytes() + pending_bytes_; }

 private:
  void handle(std::vector<SourceEvent>& events, RemuxOutput& out);
  void maybe_start(RemuxOutput& out, bool force);
  ffmpeg::MediaInfo media_info() const;
  void note_video_pace(std::int64_t dts, RemuxOutput& out);

  Container container_;
  RemuxOptions options_;
  FlvSource flv_;
  TsSource ts_;
  Fragmenter fragmenter_;
  std::optional<TracksExpected> expected_;
  std::optional<TrackConfig> video_, audio_;
  std::deque<Sample> pending_;  // until started
  std::size_t pending_bytes_ = 0;
  double frame_rate_estimate_ = 0;
  std::int64_t paced_frames_ = 0, paced_first_dts_ = 0;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace bvlive::remux
