#include "core/media/remux/ts_source.hpp"

#include <cstdio>

#include "core/media/codec/aac_config.hpp"
#include "core/media/codec/h264_config.hpp"
#include "core/media/codec/hevc_config.hpp"
#include "core/media/codec/nal_units.hpp"
#include "core/media/remux/track_configs.hpp"

namespace bvlive::remux {
namespace {

// NAL unit types (H.264 Table 7-1, H.265 Table 7-1) the sample entry carries instead.
constexpr int kAvcSps = 7, kAvcPps = 8, kAvcAud = 9;
constexpr int kHevcVps = 32, kHevcSps = 33, kHevcPps = 34, kHevcAud = 35;

std::string hex_type(std::uint8_t t) {
  char s[8];
  std::snprintf(s, sizeof s, "0x%02x", t);
  return s;
}

}  // namespace

void TsSource::feed(std::span<const std::uint8_t> bytes, std::vector<SourceEvent>& out) {
  if (failed_) return;
  handle(demuxer_.feed(bytes), out);
  if (!failed_ && demuxer_.unusable()) {
    failed_ = true;
    out.emplace_back(Unusable{"not MPEG-TS: " + demuxer_.unusable_reason()});
  }
}

void TsSource::finish(std::vector<SourceEvent>& out) {
  if (!failed_) handle(demuxer_.flush(), out);
}

void TsSource::handle(std::vector<ts::Event> events, std::vector<SourceEvent>& out) {
  for (auto& ev : events) {
    if (failed_) return;
    if (auto* p = std::get_if<ts::ProgramChanged>(&ev)) on_program(*p, out);
    else if (auto* w = std::get_if<ts::Warning>(&ev)) out.emplace_back(Notice{w->message});
    else if (auto* s = std::get_if<ts::Sample>(&ev)) {
      if (video_pid_ && s->pid == *video_pid_) on_video(*s, out);
      else if (audio_pid_ && s->pid == *audio_pid_) on_audio(*s, out);
    }
  }
}

void TsSource::on_program(const ts::ProgramChanged& p, std::vector<SourceEvent>& out) {
  video_pid_.reset();
  audio_pid_.reset();
  for (const auto& es : p.streams) {
    if ((es.kind == ts::StreamKind::h264 || es.kind == ts::StreamKind::hevc) && !video_pid_) {
      video_pid_ = es.pid;
      video_kind_ = es.kind;
    } else if (es.kind == ts::StreamKind::aac && !audio_pid_) {
      audio_pid_ = es.pid;
    } else {
      out.emplace_back(Notice{"MPEG-TS stream " + std::to_string(es.pid) + " (stream type " + hex_type(es.stream_type) +
                              ") is left out; bvlive packages H.264, HEVC and AAC"});
    }
  }
  if (!video_pid_ && !audio_pid_) {
    failed_ = true;
    out.emplace_back(Unusable{"the MPEG-TS program has no H.264, HEVC or AAC stream"});
    return;
  }
  out.emplace_back(TracksExpected{video_pid_.has_value(), audio_pid_.has_value()});
}

void TsSource::on_video(ts::Sample& s, std::vector<SourceEvent>& out) {
  const bool hevc = video_kind_ == ts::StreamKind::hevc;
  std::vector<codec::ByteSpan> vps, sps, pps;
  Bytes data;
  data.reserve(s.data.size() + 16);
  for (const auto nal : codec::split_annexb(s.data)) {
    const int type = hevc ? (nal[0] >> 1) & 0x3F : nal[0] & 0x1F;
    if (hevc) {
      if (type == kHevcVps) vps.push_back(nal);
      else if (type == kHevcSps) sps.push_back(nal);
      else if (type == kHevcPps) pps.push_back(nal);
      else if (type != kHevcAud) codec::append_length_prefixed(data, nal);
    } else {
      if (type == kAvcSps) sps.push_back(nal);
      else if (type == kAvcPps) pps.push_back(nal);
      else if (type != kAvcAud) codec::append_length_prefixed(data, nal);
    }
  }
  if (!sps.empty() && !pps.empty() && (!hevc || !vps.empty())) {
    const Bytes record = hevc ? codec::make_hevc_config(vps, sps, pps) : codec::make_avc_config(sps, pps);
    if (!video_ || video_->record != record) {
      auto parsed = hevc ? hevc_track(record) : avc_track(record);
      if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) {
        failed_ = true;
        out.emplace_back(Unusable{"damaged " + e->message});
        return;
      }
      video_ = std::get<TrackConfig>(parsed);
      out.emplace_back(TrackSeen{*video_});
    }
  }
  if (!video_) {
    if (!told_no_config_) {
      told_no_config_ = true;
      out.emplace_back(Notice{"video before its first parameter sets is dropped"});
    }
    return;
  }
  if (data.empty()) return;
  Sample sample;
  sample.type = TrackType::video;
  sample.dts = timeline_.map_90k(TrackType::video, s.dts);
  sample.composition_offset = static_cast<std::int32_t>(s.pts - s.dts);
  sample.keyframe = s.keyframe;
  sample.data = std::move(data);
  out.emplace_back(SampleSeen{std::move(sample)});
}

void TsSource::on_audio(ts::Sample& s, std::vector<SourceEvent>& out) {
  auto parsed = codec::parse_adts_header(s.data);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) {
    out.emplace_back(Notice{"AAC frame dropped: " + e->message});
    return;
  }
  const auto& adts = std::get<codec::AdtsFrame>(parsed);
  if (adts.frame_size > s.data.size() || adts.header_size >= adts.frame_size) {
    out.emplace_back(Notice{"AAC frame dropped: shorter than its ADTS header says"});
    return;
  }
  const Bytes asc = codec::make_audio_specific_config(adts.config);
  if (!audio_ || asc != audio_asc_) {
    auto config = aac_track(asc);
    if (auto* e = std::get_if<fmp4::ParseError>(&config)) {
      out.emplace_back(Notice{"AAC frame dropped: " + e->message});
      return;
    }
    audio_asc_ = asc;
    audio_ = std::get<TrackConfig>(config);
    out.emplace_back(TrackSeen{*audio_});
  }
  Sample sample;
  sample.type = TrackType::audio;
  sample.dts = timeline_.map_90k(TrackType::audio, s.pts);
  sample.keyframe = true;
  sample.data.assign(s.data.begin() + static_cast<std::ptrdiff_t>(adts.header_size),
                     s.data.begin() + static_cast<std::ptrdiff_t>(adts.frame_size));
  out.emplace_back(SampleSeen{std::move(sample)});
}

}  // namespace bvlive::remux
