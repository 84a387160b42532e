// What a restarted packager needs to read an RTMP push from its middle (session.hpp,
// "Packager restarts"). The encoder's FLV byte stream is watched as it goes to the
// packager: the file header, the last onMetaData and the last video and audio sequence
// headers are kept. A new ffmpeg then gets those first, and the push's tags from the next
// video keyframe on (any tag at once for an audio-only push), which it reads as a whole
// FLV file of its own.
//
// Only the tag headers are parsed (Adobe FLV 10.1 E.4.1); bodies are looked at for their
// first two bytes (frame type, codec, AVC/AAC packet type, Enhanced RTMP's packet type).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace bvlive {

class FlvResume {
 public:
  // Every byte sent to the packager, in order. Returns the bytes a packager that is
  // resuming should get now (all of them unless it waits for a keyframe).
  std::vector<std::uint8_t> feed(std::span<const std::uint8_t> bytes);
  // The start of the stream for a new packager: header, metadata, sequence headers. From
  // now on feed() holds tags back until the next video keyframe.
  std::vector<std::uint8_t> restart();
  bool waiting_for_keyframe() const { return waiting_; }

 private:
  void on_tag(std::span<const std::uint8_t> tag, std::vector<std::uint8_t>& out);

  std::vector<std::uint8_t> header_;    // "FLV" header and PreviousTagSize0
  std::vector<std::uint8_t> pending_;   // an incomplete tag (or header)
  std::vector<std::uint8_t> metadata_, video_config_, audio_config_;  // whole tags
  bool has_video_ = false;
  bool waiting_ = false;
};

}  // namespace bvlive
