// What the in-process remuxer carries from an encoder's container (FLV from RTMP, MPEG-TS
// from SRT) to the fMP4 writer: each track's decoder configuration and its coded samples,
// already in the form ISO BMFF stores them (length-prefixed NAL units, AV1 OBUs, raw AAC).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace bvlive::remux {

using Bytes = std::vector<std::uint8_t>;

enum class Codec { h264, hevc, av1, aac };
enum class TrackType { video, audio };

inline TrackType track_type(Codec c) { return c == Codec::aac ? TrackType::audio : TrackType::video; }
// ffmpeg's names, as `bvlive show` has always printed them: "h264", "hevc", "av1", "aac".
const char* codec_name(Codec c);
// The sample entry it is stored under: 'avc1', 'hvc1', 'av01', 'mp4a'.
const char* sample_entry_name(Codec c);

// A track's decoder configuration. Two configurations that compare equal decode the same
// stream; a different one mid-push needs a new init segment.
struct TrackConfig {
  Codec codec = Codec::h264;
  // avcC / hvcC / av1C record (the box payload), or the AAC AudioSpecificConfig.
  Bytes record;
  int width = 0, height = 0;       // video: the coded picture after cropping
  double frame_rate = 0;           // video: from the bitstream's timing info, 0 when absent
  int sample_rate = 0, channels = 0;  // audio
  int samples_per_frame = 1024;       // audio: AAC frame length
  std::string codecs;              // RFC 6381: "avc1.64001f", "hvc1.1.6.L93.B0", "mp4a.40.2"
  int nal_length_size = 4;         // H.264/HEVC: bytes of each NAL unit's length in a sample

  bool operator==(const TrackConfig& o) const { return codec == o.codec && record == o.record; }
};

// One coded frame. Times are in 90 kHz ticks on the remuxer's continuous timeline.
struct Sample {
  TrackType type = TrackType::video;
  std::int64_t dts = 0;
  std::int32_t composition_offset = 0;  // pts - dts
  bool keyframe = false;
  Bytes data;
};

inline constexpr std::int64_t kTicksPerSecond = 90'000;

// What a container reader tells the remuxer.
struct TrackSeen {
  TrackConfig config;  // a track's (new) decoder configuration
};
struct SampleSeen {
  Sample sample;
};
// Which tracks the encoder announced (FLV onMetaData, the MPEG-TS program map): the
// remuxer waits for their configurations before its first init segment.
struct TracksExpected {
  bool video = false;
  bool audio = false;
};
// The push cannot go on: damaged media, a codec bvlive cannot package.
struct Unusable {
  std::string message;
};
// Something dropped or corrected, for the log; the push goes on.
struct Notice {
  std::string message;
};

using SourceEvent = std::variant<TrackSeen, SampleSeen, TracksExpected, Unusable, Notice>;

}  // namespace bvlive::remux
