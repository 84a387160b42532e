#include "core/media/fmp4/codec_string.hpp"
#include "util/hex.hpp"

#include <cstdio>

#include "core/media/codec/av1_config.hpp"
#include "core/media/codec/hevc_config.hpp"
#include "core/media/fmp4/sample_entry.hpp"

namespace bvlive::fmp4 {
namespace {

ParseError error(const std::string& message) { return ParseError{"codecs: " + message}; }

std::string hex2(unsigned value, bool upper = false) {
  const std::uint8_t byte = static_cast<std::uint8_t>(value);
  return hex_encode(std::span<const std::uint8_t>(&byte, 1), upper);
}

Parsed<std::string> track_codec(ByteSpan trak_payload) {
  auto parsed = first_sample_entry(trak_payload);
  if (const auto* e = std::get_if<ParseError>(&parsed)) return error(e->message);
  const SampleEntryInfo& entry = std::get<SampleEntryInfo>(parsed);
  const std::string name = fourcc_text(entry.type);
  const ByteSpan config = entry.config;
  if (entry.type == fourcc("avc1") || entry.type == fourcc("avc3")) {
    // avcC (ISO/IEC 14496-15 §5.3.3.1): configurationVersion, then the three bytes of the
    // codecs parameter: AVCProfileIndication, profile_compatibility, AVCLevelIndication.
    if (config.size() < 4 || config[0] != 1) return error("avcC is truncated or not version 1");
    return name + "." + hex2(config[1]) + hex2(config[2]) + hex2(config[3]);
  }
  if (entry.type == fourcc("hvc1") || entry.type == fourcc("hev1")) {
    // hvcC (ISO/IEC 14496-15 §8.3.3.1), codecs string per its Annex E.
    auto hevc = codec::parse_hevc_config(config);
    if (const auto* e = std::get_if<ParseError>(&hevc)) return error("hvcC: " + e->message);
    return codec::hevc_codecs(std::get<codec::HevcConfig>(hevc), name);
  }
  if (entry.type == fourcc("av01")) {
    // av1C (AV1 ISOBMFF binding §2.3), codecs string per its "Codecs Parameter String".
    auto av1 = codec::parse_av1_config(config);
    if (const auto* e = std::get_if<ParseError>(&av1)) return error("av1C: " + e->message);
    return codec::av1_codecs(std::get<codec::Av1Config>(av1));
  }
  if (entry.type == fourcc("mp4a")) {
    if (entry.object_type != 0x40) return "mp4a." + hex2(entry.object_type, true);  // e.g. MP3: mp4a.6B
    // MPEG-4 Audio needs the object type from the AudioSpecificConfig (RFC 6381 §3.3): its
    // first 5 bits, or 6 more after the escape value 31.
    unsigned audio_object_type = config[0] >> 3;
    if (audio_object_type == 31) {
      if (config.size() < 2) return error("AudioSpecificConfig is truncated");
      audio_object_type = 32 + (((static_cast<unsigned>(config[0]) << 8 | config[1]) >> 5) & 0x3Fu);
    }
    return "mp4a.40." + std::to_string(audio_object_type);
  }
  return error("no RFC 6381 codecs string for sample entry '" + name + "'");
}

}  // namespace

Parsed<std::string> rfc6381_codecs(ByteSpan moov_payload) {
  std::string codecs;
  BoxReader reader(moov_payload);
  while (auto box = reader.next()) {
    if (box->type != fourcc("trak")) continue;
    auto codec = track_codec(box->payload);
    if (const auto* failure = std::get_if<ParseError>(&codec)) return *failure;
    if (!codecs.empty()) codecs += ',';
    codecs += std::get<std::string>(codec);
  }
  if (reader.error()) return error("moov: " + describe(*reader.error()));
  if (codecs.empty()) return error("moov has no track");
  return codecs;
}

}  // namespace bvlive::fmp4
