#include "media/fmp4/codec_string.hpp"

#include <cstdio>
#include <optional>

#include "media/fmp4/byte_cursor.hpp"

namespace bvlive::fmp4 {
namespace {

ParseError error(const std::string& message) { return ParseError{"codecs: " + message}; }

std::string hex2(unsigned value, bool upper = false) {
  char text[3];
  std::snprintf(text, sizeof text, upper ? "%02X" : "%02x", value & 0xFFu);
  return text;
}

// SampleEntry (§8.5.2.2): 6 reserved bytes and a data_reference_index.
constexpr std::size_t kSampleEntryHeader = 8;
// VisualSampleEntry (§12.1.3.2) fields after SampleEntry, up to its child boxes.
constexpr std::size_t kVisualFields = 70;
// AudioSampleEntry (§12.2.3.2) version 0 fields after SampleEntry; QuickTime sound
// descriptions version 1 and 2 (which some muxers write in mp4a) add 16 and 36 bytes.
constexpr std::size_t kAudioFields = 20;

// avcC (ISO/IEC 14496-15 §5.3.3.1): configurationVersion, then the three bytes of the
// codecs parameter: AVCProfileIndication, profile_compatibility, AVCLevelIndication.
Parsed<std::string> avc_codec(const std::string& entry_name, ByteSpan entry_payload) {
  if (entry_payload.size() < kSampleEntryHeader + kVisualFields)
    return error(entry_name + " sample entry is truncated");
  const auto avcc =
      find_child(entry_payload.subspan(kSampleEntryHeader + kVisualFields), fourcc("avcC"));
  if (!avcc) return error(entry_name + " sample entry has no avcC");
  ByteCursor in(avcc->payload);
  const std::uint8_t version = in.u8();
  const std::uint8_t profile = in.u8();
  const std::uint8_t compatibility = in.u8();
  const std::uint8_t level = in.u8();
  if (in.failed() || version != 1) return error("avcC is truncated or not version 1");
  return entry_name + "." + hex2(profile) + hex2(compatibility) + hex2(level);
}

// An MPEG-4 descriptor (ISO/IEC 14496-1 §8.3.3): tag, then a length of up to four 7-bit
// groups. Returns the payload of the descriptor, or empty on damage.
std::optional<ByteSpan> read_descriptor(ByteCursor& in, ByteSpan whole, std::uint8_t& tag) {
  tag = in.u8();
  std::size_t length = 0;
  for (int i = 0; i < 4; ++i) {
    const std::uint8_t b = in.u8();
    length = (length << 7) | (b & 0x7Fu);
    if (!(b & 0x80u)) break;
  }
  if (in.failed() || length > in.remaining()) return std::nullopt;
  const auto payload = whole.subspan(in.position(), length);
  in.skip(length);
  return payload;
}

// esds (ISO/IEC 14496-14 §5.6): ES_Descriptor > DecoderConfigDescriptor (objectTypeIndication)
// > DecoderSpecificInfo (AudioSpecificConfig, whose first 5 bits, or 6 more after 31, are
// the audio object type).
Parsed<std::string> mp4a_codec(ByteSpan entry_payload) {
  ByteCursor entry(entry_payload);
  entry.skip(kSampleEntryHeader);
  const std::uint16_t version = entry.u16();
  std::size_t fields = kAudioFields;
  if (version == 1) fields += 16;
  if (version == 2) fields += 36;
  if (entry.failed() || entry_payload.size() < kSampleEntryHeader + fields)
    return error("mp4a sample entry is truncated");
  const auto esds = find_child(entry_payload.subspan(kSampleEntryHeader + fields), fourcc("esds"));
  if (!esds) return error("mp4a sample entry has no esds");

  const ByteSpan body = esds->payload.size() >= 4 ? esds->payload.subspan(4) : ByteSpan{};
  ByteCursor in(body);
  std::uint8_t tag = 0;
  const auto es = read_descriptor(in, body, tag);
  if (!es || tag != 0x03) return error("esds has no ES_Descriptor");
  ByteCursor es_in(*es);
  es_in.u16();  // ES_ID
  const std::uint8_t flags = es_in.u8();
  if (flags & 0x80u) es_in.u16();             // dependsOn_ES_ID
  if (flags & 0x40u) es_in.skip(es_in.u8());  // URL
  if (flags & 0x20u) es_in.u16();             // OCR_ES_Id
  const auto config = read_descriptor(es_in, *es, tag);
  if (!config || tag != 0x04) return error("esds has no DecoderConfigDescriptor");
  ByteCursor config_in(*config);
  const std::uint8_t object_type = config_in.u8();
  config_in.skip(1 + 3 + 4 + 4);  // streamType, bufferSizeDB, maxBitrate, avgBitrate
  if (config_in.failed()) return error("esds DecoderConfigDescriptor is truncated");
  if (object_type != 0x40) return "mp4a." + hex2(object_type, true);  // e.g. MP3: mp4a.6B

  // MPEG-4 Audio needs the object type from the AudioSpecificConfig (RFC 6381 §3.3).
  const auto specific = read_descriptor(config_in, *config, tag);
  if (!specific || tag != 0x05 || specific->empty())
    return error("esds has no AudioSpecificConfig for MPEG-4 audio");
  ByteCursor asc(*specific);
  const std::uint16_t first = asc.u16();  // a one-byte config still has its 5 bits
  unsigned audio_object_type = (*specific)[0] >> 3;
  if (audio_object_type == 31) {
    if (asc.failed()) return error("AudioSpecificConfig is truncated");
    audio_object_type = 32 + ((first >> 5) & 0x3Fu);
  }
  return "mp4a.40." + std::to_string(audio_object_type);
}

Parsed<std::string> track_codec(ByteSpan trak_payload) {
  std::optional<Box> box = find_child(trak_payload, fourcc("mdia"));
  for (const char* name : {"minf", "stbl", "stsd"}) {
    if (!box) break;
    const char code[5] = {name[0], name[1], name[2], name[3], '\0'};
    box = find_child(box->payload, fourcc(code));
  }
  if (!box) return error("trak without mdia/minf/stbl/stsd");
  ByteCursor stsd(box->payload);
  stsd.u32();  // version, flags
  const std::uint32_t entries = stsd.u32();
  if (stsd.failed() || entries == 0) return error("stsd has no sample entry");
  BoxReader reader(box->payload.subspan(8));
  const auto entry = reader.next();
  if (!entry) return error("stsd sample entry is malformed");
  const std::string name = fourcc_text(entry->type);
  if (entry->type == fourcc("avc1") || entry->type == fourcc("avc3"))
    return avc_codec(name, entry->payload);
  if (entry->type == fourcc("mp4a")) return mp4a_codec(entry->payload);
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
