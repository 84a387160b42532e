#include "core/media/remux/track_configs.hpp"

#include "core/media/codec/aac_config.hpp"
#include "core/media/codec/av1_config.hpp"
#include "core/media/codec/h264_config.hpp"
#include "core/media/codec/hevc_config.hpp"
#include "core/media/codec/nal_units.hpp"

namespace bvlive::remux {
namespace {

fmp4::ParseError error(const std::string& what, const fmp4::ParseError& e) { return {what + ": " + e.message}; }

}  // namespace

fmp4::Parsed<TrackConfig> avc_track(ByteSpan avcc) {
  auto parsed = codec::parse_avc_config(avcc);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return error("AVC sequence header", *e);
  const auto& config = std::get<codec::AvcConfig>(parsed);
  if (config.sps.empty()) return fmp4::ParseError{"AVC sequence header without an SPS"};
  auto sps = codec::parse_h264_sps(config.sps.front());
  if (auto* e = std::get_if<fmp4::ParseError>(&sps)) return error("H.264 SPS", *e);
  const auto& s = std::get<codec::H264Sps>(sps);
  TrackConfig t;
  t.codec = Codec::h264;
  t.record.assign(avcc.begin(), avcc.end());
  t.width = s.width;
  t.height = s.height;
  t.frame_rate = s.frame_rate;
  t.codecs = codec::avc_codecs(config);
  t.nal_length_size = config.nal_length_size;
  return t;
}

fmp4::Parsed<TrackConfig> hevc_track(ByteSpan hvcc) {
  auto parsed = codec::parse_hevc_config(hvcc);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return error("HEVC sequence header", *e);
  const auto& config = std::get<codec::HevcConfig>(parsed);
  if (config.sps.empty()) return fmp4::ParseError{"HEVC sequence header without an SPS"};
  auto sps = codec::parse_hevc_sps(config.sps.front());
  if (auto* e = std::get_if<fmp4::ParseError>(&sps)) return error("HEVC SPS", *e);
  const auto& s = std::get<codec::HevcSps>(sps);
  TrackConfig t;
  t.codec = Codec::hevc;
  t.record.assign(hvcc.begin(), hvcc.end());
  t.width = s.width;
  t.height = s.height;
  t.frame_rate = s.frame_rate;
  t.codecs = codec::hevc_codecs(config);
  t.nal_length_size = config.nal_length_size;
  return t;
}

fmp4::Parsed<TrackConfig> av1_track(ByteSpan av1c, ByteSpan sequence_header_obus) {
  auto parsed = codec::parse_av1_config(av1c);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return error("AV1 sequence header", *e);
  const auto& config = std::get<codec::Av1Config>(parsed);
  const ByteSpan obus = !config.config_obus.empty() ? ByteSpan(config.config_obus) : sequence_header_obus;
  TrackConfig t;
  t.codec = Codec::av1;
  t.record.assign(av1c.begin(), av1c.end());
  t.codecs = codec::av1_codecs(config);
  if (!obus.empty()) {
    auto header = codec::parse_av1_sequence_header(obus);
    if (auto* h = std::get_if<codec::Av1SequenceHeader>(&header)) {
      t.width = h->width;
      t.height = h->height;
    }
  }
  return t;
}

fmp4::Parsed<TrackConfig> aac_track(ByteSpan asc) {
  auto parsed = codec::parse_audio_specific_config(asc);
  if (auto* e = std::get_if<fmp4::ParseError>(&parsed)) return error("AAC sequence header", *e);
  const auto& a = std::get<codec::AacConfig>(parsed);
  TrackConfig t;
  t.codec = Codec::aac;
  t.record.assign(asc.begin(), asc.end());
  t.sample_rate = a.sample_rate;
  t.channels = a.channels;
  t.samples_per_frame = a.samples_per_frame > 0 ? a.samples_per_frame : 1024;
  t.codecs = codec::aac_codecs(a);
  return t;
}

bool nal_units_fit(ByteSpan sample, int nal_length_size) {
  const auto units = codec::split_length_prefixed(sample, nal_length_size);
  return units && !units->empty();
}

}  // namespace bvlive::remux
