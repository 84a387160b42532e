#include "core/media/remux/flv_source.hpp"

#include <cstdio>

#include "core/media/flv/flv_writer.hpp"
#include "core/media/remux/track_configs.hpp"
#include "protocols/rtmp/amf0.hpp"

namespace bvlive::remux {
namespace {

// Video tag header bits (FLV §E.4.3.1; Enhanced RTMP's ExVideoTagHeader).
constexpr std::uint8_t kExHeader = 0x80;
constexpr int kKeyFrame = 1;
constexpr int kCommandFrame = 5;  // video info / command frame: no picture
enum ExPacket : int { SequenceStart = 0, CodedFrames = 1, SequenceEnd = 2, CodedFramesX = 3, Metadata = 4,
                      Mpeg2TsSequenceStart = 5, Multitrack = 6, ModEx = 7 };
constexpr int kAvcCodecId = 7;
constexpr int kLegacyHevcCodecId = 12;
constexpr int kAacSoundFormat = 10;
constexpr int kExAudioSoundFormat = 9;

std::int32_t si24(const std::uint8_t* p) {
  std::int32_t v = (std::int32_t(p[0]) << 16) | (std::int32_t(p[1]) << 8) | p[2];
  return (v & 0x800000) ? v - 0x1000000 : v;
}

std::string fourcc_text(std::span<const std::uint8_t> b) {
  std::string s;
  for (std::size_t i = 0; i < 4 && i < b.size(); ++i) s += (b[i] >= 0x20 && b[i] < 0x7F) ? char(b[i]) : '?';
  return s;
}

const char* legacy_video_codec(int id) {
  switch (id) {
    case 2: return "Sorenson H.263";
    case 3: return "Screen video";
    case 4: return "On2 VP6";
    case 5: return "On2 VP6 with alpha";
    case 6: return "Screen video 2";
    default: return "unknown";
  }
}

const char* sound_format(int f) {
  switch (f) {
    case 0: case 3: return "PCM";
    case 1: return "ADPCM";
    case 2: case 14: return "MP3";
    case 4: case 5: case 6: return "Nellymoser";
    case 7: return "G.711 A-law";
    case 8: return "G.711 mu-law";
    case 11: return "Speex";
    default: return "unknown";
  }
}

std::string at_time(std::uint32_t ms) {
  char t[32];
  std::snprintf(t, sizeof t, " (timestamp %u ms)", ms);
  return t;
}

}  // namespace

void FlvSource::feed(std::span<const std::uint8_t> bytes, std::vector<SourceEvent>& out) {
  if (failed_) return;
  if (!reader_.feed(bytes, [&](const flv::TagView& tag) { if (!failed_) on_tag(tag, out); }))
    fail("unreadable FLV: " + reader_.error(), out);
}

void FlvSource::fail(std::string message, std::vector<SourceEvent>& out) {
  if (failed_) return;
  failed_ = true;
  out.emplace_back(Unusable{std::move(message)});
}

void FlvSource::on_tag(const flv::TagView& tag, std::vector<SourceEvent>& out) {
  if (tag.body.empty()) return;
  switch (tag.type) {
    case flv::kTagVideo: return on_video(tag, out);
    case flv::kTagAudio: return on_audio(tag, out);
    case flv::kTagScript: return on_script(tag, out);
    default: return;  // other tag types carry nothing we package
  }
}

void FlvSource::on_script(const flv::TagView& tag, std::vector<SourceEvent>& out) {
  if (metadata_seen_) return;
  auto decoded = rtmp::amf0_decode_all(tag.body);
  auto* values = std::get_if<std::vector<rtmp::Amf0Value>>(&decoded);
  if (!values || values->size() < 2 || !(*values)[0].is_string() || (*values)[0].string != "onMetaData") return;
  const auto& meta = (*values)[1];
  if (!meta.is_object_like()) return;
  metadata_seen_ = true;
  // An encoder names the codec of each stream it will send; one it leaves out will not come.
  const bool video = meta.find("videocodecid") != nullptr;
  const bool audio = meta.find("audiocodecid") != nullptr;
  if (video || audio) out.emplace_back(TracksExpected{video, audio});
}

void FlvSource::on_video(const flv::TagView& tag, std::vector<SourceEvent>& out) {
  const auto body = tag.body;
  const std::uint8_t b0 = body[0];
  if (b0 & kExHeader) {
    const int frame_type = (b0 >> 4) & 0x7;
    const int packet = b0 & 0x0F;
    if (frame_type == kCommandFrame && packet != SequenceStart) return;
    if (packet == Multitrack || packet == ModEx)
      return fail(std::string("Enhanced RTMP ") + (packet == ModEx ? "ModEx" : "multitrack") +
                      " video packets are not supported; send one track without modifiers",
                  out);
    if (body.size() < 5) return fail("damaged video tag: Enhanced RTMP header cut short" + at_time(tag.timestamp), out);
    const auto code = body.subspan(1, 4);
    const std::string name = fourcc_text(code);
    Codec codec;
    if (name == "avc1") codec = Codec::h264;
    else if (name == "hvc1") codec = Codec::hevc;
    else if (name == "av01") codec = Codec::av1;
    else return fail("video codec '" + name + "' is not supported; bvlive packages H.264, HEVC and AV1", out);
    auto payload = body.subspan(5);
    switch (packet) {
      case SequenceStart: return video_config(codec, payload, {}, out);
      case CodedFrames: {
        std::int32_t cts = 0;
        if (codec != Codec::av1) {  // AV1 has no reordering, so no composition time field
          if (payload.size() < 3) return fail("damaged video tag: composition time cut short" + at_time(tag.timestamp), out);
          cts = si24(payload.data());
          payload = payload.subspan(3);
        }
        return video_frame(codec, tag, frame_type == kKeyFrame, cts, payload, out);
      }
      case CodedFramesX: return video_frame(codec, tag, frame_type == kKeyFrame, 0, payload, out);
      default: return;  // SequenceEnd, Metadata (HDR colour info), an MPEG-2 TS descriptor
    }
  }
  const int frame_type = b0 >> 4;
  const int codec_id = b0 & 0x0F;
  if (frame_type == kCommandFrame) return;
  Codec codec;
  if (codec_id == kAvcCodecId) codec = Codec::h264;
  else if (codec_id == kLegacyHevcCodecId) codec = Codec::hevc;
  else
    return fail(std::string("video codec ") + legacy_video_codec(codec_id) + " (FLV codec id " +
                    std::to_string(codec_id) + ") is not supported; bvlive packages H.264, HEVC and AV1",
                out);
  if (body.size() < 5) return fail("damaged video tag: AVC header cut short" + at_time(tag.timestamp), out);
  const int packet = body[1];
  const auto payload = body.subspan(5);
  if (packet == 0) return video_config(codec, payload, {}, out);
  if (packet == 1) return video_frame(codec, tag, frame_type == kKeyFrame, si24(body.data() + 2), payload, out);
  // 2: end of sequence.
}

void FlvSource::video_config(Codec codec, std::span<const std::uint8_t> record, std::span<const std::uint8_t> keyframe,
                             std::vector<SourceEvent>& out) {
  fmp4::Parsed<TrackConfig> parsed = codec == Codec::h264   ? avc_track(record)
                                     : codec == Codec::hevc ? hevc_track(record)
                                                            : av1_track(record, keyframe);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return fail("damaged " + e->message, out);
  TrackConfig config = std::move(std::get<TrackConfig>(parsed));
  if (codec == Codec::av1 && config.width == 0) {
    // The av1C had no sequence header: the first keyframe carries one.
    av1_record_.assign(record.begin(), record.end());
    video_.reset();
    return;
  }
  av1_record_.clear();
  if (video_ && *video_ == config) return;  // encoders repeat their sequence header
  video_ = config;
  out.emplace_back(TrackSeen{std::move(config)});
}

void FlvSource::video_frame(Codec codec, const flv::TagView& tag, bool keyframe, std::int32_t cts_ms,
                            std::span<const std::uint8_t> data, std::vector<SourceEvent>& out) {
  if (data.empty()) return;
  if (codec == Codec::av1 && !av1_record_.empty() && keyframe) {
    const Bytes record = av1_record_;
    video_config(codec, record, data, out);
    if (failed_) return;
  }
  if (!video_ || video_->codec != codec) {
    // Frames before (or without) their sequence header cannot be decoded.
    if (++frames_without_config_ == 1)
      out.emplace_back(Notice{std::string("video frames before a ") + sample_entry_name(codec) +
                              " sequence header are dropped"});
    return;
  }
  if (codec != Codec::av1 && !nal_units_fit(data, video_->nal_length_size))
    return fail("damaged video frame" + at_time(tag.timestamp) + ": its NAL unit lengths do not fit the frame", out);
  Sample s;
  s.type = TrackType::video;
  s.dts = timeline_.map_ms32(TrackType::video, tag.timestamp);
  if (timeline_.corrected_last())
    out.emplace_back(Notice{"video timestamp jumped to " + std::to_string(tag.timestamp) + " ms; timeline continued"});
  s.composition_offset = cts_ms * 90;
  s.keyframe = keyframe;
  s.data.assign(data.begin(), data.end());
  out.emplace_back(SampleSeen{std::move(s)});
}

void FlvSource::on_audio(const flv::TagView& tag, std::vector<SourceEvent>& out) {
  const auto body = tag.body;
  const int format = body[0] >> 4;
  if (format != kAacSoundFormat) {
    if (!unsupported_audio_) {
      unsupported_audio_ = true;
      const std::string what = format == kExAudioSoundFormat
                                   ? std::string("Enhanced RTMP audio") + (body.size() >= 5 ? " '" + fourcc_text(body.subspan(1)) + "'" : "")
                                   : std::string(sound_format(format)) + " audio (FLV sound format " + std::to_string(format) + ")";
      out.emplace_back(Notice{what + " is not supported and is left out; bvlive packages AAC"});
    }
    return;
  }
  if (body.size() < 2) return fail("damaged audio tag: AAC header cut short" + at_time(tag.timestamp), out);
  const auto payload = body.subspan(2);
  if (body[1] == 0) {
    auto parsed = aac_track(payload);
    if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return fail("damaged " + e->message, out);
    auto& config = std::get<TrackConfig>(parsed);
    if (audio_ && *audio_ == config) return;
    audio_ = config;
    out.emplace_back(TrackSeen{std::move(config)});
    return;
  }
  if (!audio_ || payload.empty()) return;
  Sample s;
  s.type = TrackType::audio;
  s.dts = timeline_.map_ms32(TrackType::audio, tag.timestamp);
  s.keyframe = true;
  s.data.assign(payload.begin(), payload.end());
  out.emplace_back(SampleSeen{std::move(s)});
}

}  // namespace bvlive::remux
