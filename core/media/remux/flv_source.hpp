// Reads what an RTMP encoder sends, as FLV tags, into track configurations and samples:
// legacy AVC (codec id 7) and AAC tags (Adobe FLV 10.1 §E.4.2-E.4.3), the codec id 12 HEVC
// some encoders send, and Enhanced RTMP's FourCC video tags (veovera enhanced-rtmp v1/v2:
// 'hvc1', 'av01', 'avc1' with SequenceStart, CodedFrames, CodedFramesX), as OBS 30+ sends
// HEVC and AV1. Timestamps go through a Timeline, so wraps and jumps come out continuous.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/media/flv/flv_reader.hpp"
#include "core/media/remux/elementary.hpp"
#include "core/media/remux/timeline.hpp"

namespace bvlive::remux {

class FlvSource {
 public:
  void feed(std::span<const std::uint8_t> bytes, std::vector<SourceEvent>& out);
  const Timeline& timeline() const { return timeline_; }

 private:
  void on_tag(const flv::TagView& tag, std::vector<SourceEvent>& out);
  void on_video(const flv::TagView& tag, std::vector<SourceEvent>& out);
  void on_audio(const flv::TagView& tag, std::vector<SourceEvent>& out);
  void on_script(const flv::TagView& tag, std::vector<SourceEvent>& out);
  void video_config(Codec codec, std::span<const std::uint8_t> record, std::span<const std::uint8_t> keyframe,
                    std::vector<SourceEvent>& out);
  void video_frame(Codec codec, const flv::TagView& tag, bool keyframe, std::int32_t cts_ms,
                   std::span<const std::uint8_t> data, std::vector<SourceEvent>& out);
  void fail(std::string message, std::vector<SourceEvent>& out);

  flv::Reader reader_;
  Timeline timeline_;
  std::optional<TrackConfig> video_, audio_;
  Bytes av1_record_;            // an av1C without configOBUs, until a keyframe gives the size
  bool metadata_seen_ = false;
  bool unsupported_audio_ = false;
  std::uint64_t frames_without_config_ = 0;
  bool failed_ = false;
};

}  // namespace bvlive::remux
