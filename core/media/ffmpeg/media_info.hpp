// What ffmpeg found in a session's input: codecs, picture size, frame rate, audio format,
// bitrate. Read from the "Input #0" section of its log (see StderrReader).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace bvlive::ffmpeg {

struct MediaInfo {
  std::string video_codec;  // "h264", "" without video
  int width = 0;
  int height = 0;
  double frame_rate = 0;    // "25 fps" (or tbr when no fps is given)
  std::string audio_codec;  // "aac", "" without audio
  int sample_rate = 0;
  int channels = 0;
  std::int64_t bitrate_kbps = 0;        // input bitrate from "Duration: ..., bitrate: N kb/s"
  std::int64_t video_bitrate_kbps = 0;  // per-stream "N kb/s" when ffmpeg prints one
  std::int64_t audio_bitrate_kbps = 0;

  bool has_video() const { return !video_codec.empty(); }
  bool has_audio() const { return !audio_codec.empty(); }
  // {"video": {"codec", "width", "height", "frame_rate", "bitrate_kbps"} | null,
  //  "audio": {"codec", "sample_rate", "channels", "bitrate_kbps"} | null, "bitrate_kbps"}
  nlohmann::json to_json() const;
};

// Reads one line of an input section (level prefix already removed) into `info`: a
// "Duration: ..." line, or a "Stream #0:N...: Video: ..." / "Audio: ..." line; the first
// video and first audio stream win. Other lines are ignored. Returns whether it used it.
bool read_media_info_line(std::string_view line, MediaInfo& info);

// "mono" 1, "stereo" 2, "5.1(side)" 6, "3 channels" 3, ...; 0 when unknown.
int channels_of_layout(std::string_view layout);

}  // namespace bvlive::ffmpeg
