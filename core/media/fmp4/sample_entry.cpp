#include "core/media/fmp4/sample_entry.hpp"

#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::fmp4 {
namespace {

ParseError error(const std::string& message) { return ParseError{message}; }

// SampleEntry (§8.5.2.2): 6 reserved bytes and a data_reference_index.
constexpr std::size_t kSampleEntryHeader = 8;
// VisualSampleEntry (§12.1.3.2) fields after SampleEntry, up to its child boxes.
constexpr std::size_t kVisualFields = 70;
// AudioSampleEntry (§12.2.3.2) version 0 fields after SampleEntry; QuickTime sound
// descriptions version 1 and 2 (which some muxers write in mp4a) add 16 and 36 bytes.
constexpr std::size_t kAudioFields = 20;

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
// > DecoderSpecificInfo (for MPEG-4 audio, the AudioSpecificConfig).
Parsed<SampleEntryInfo> mp4a_entry(SampleEntryInfo info, ByteSpan entry_payload) {
  ByteCursor entry(entry_payload);
  entry.skip(kSampleEntryHeader);
  const std::uint16_t version = entry.u16();
  std::size_t fields = kAudioFields;
  if (version == 1) fields += 16;
  if (version == 2) fields += 36;
  if (entry.failed() || entry_payload.size() < kSampleEntryHeader + fields) return error("mp4a sample entry is truncated");
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
  info.object_type = config_in.u8();
  config_in.skip(1 + 3 + 4 + 4);  // streamType, bufferSizeDB, maxBitrate, avgBitrate
  if (config_in.failed()) return error("esds DecoderConfigDescriptor is truncated");
  if (info.object_type != 0x40) return info;  // e.g. MP3: no AudioSpecificConfig
  const auto specific = read_descriptor(config_in, *config, tag);
  if (!specific || tag != 0x05 || specific->empty())
    return error("esds has no AudioSpecificConfig for MPEG-4 audio");
  info.config = *specific;
  return info;
}

// The original format of an 'encv' (visual fields) or 'enca' (audio fields, version 0)
// entry: its sinf > frma.
std::optional<FourCC> original_format(const Box& entry) {
  const std::size_t fields = entry.type == fourcc("encv") ? kVisualFields : kAudioFields;
  if (entry.payload.size() < kSampleEntryHeader + fields) return std::nullopt;
  const auto sinf = find_child(entry.payload.subspan(kSampleEntryHeader + fields), fourcc("sinf"));
  if (!sinf) return std::nullopt;
  const auto frma = find_child(sinf->payload, fourcc("frma"));
  if (!frma || frma->payload.size() < 4) return std::nullopt;
  ByteCursor in(frma->payload);
  return in.u32();
}

}  // namespace

std::optional<Box> find_path(ByteSpan container_payload, std::initializer_list<FourCC> path) {
  std::optional<Box> box;
  ByteSpan in = container_payload;
  for (const FourCC type : path) {
    box = find_child(in, type);
    if (!box) return std::nullopt;
    in = box->payload;
  }
  return box;
}

Parsed<SampleEntryInfo> first_sample_entry(ByteSpan trak_payload) {
  const auto stsd = find_path(trak_payload, {fourcc("mdia"), fourcc("minf"), fourcc("stbl"), fourcc("stsd")});
  if (!stsd) return error("trak without mdia/minf/stbl/stsd");
  ByteCursor head(stsd->payload);
  head.u32();  // version, flags
  const std::uint32_t entries = head.u32();
  if (head.failed() || entries == 0) return error("stsd has no sample entry");
  BoxReader reader(stsd->payload.subspan(8));
  const auto entry = reader.next();
  if (!entry) return error("stsd sample entry is malformed");
  SampleEntryInfo info;
  info.type = entry->type;
  if (entry->type == fourcc("encv") || entry->type == fourcc("enca")) {
    // Common encryption (ISO/IEC 23001-7 §4.2): the entry keeps the original's fields and
    // children, and sinf > frma names the original format.
    info.encrypted = true;
    const auto original = original_format(*entry);
    if (!original) return error(fourcc_text(entry->type) + " sample entry has no sinf/frma");
    info.type = *original;
  }
  const std::string name = fourcc_text(info.type);
  if (info.type == fourcc("mp4a")) return mp4a_entry(info, entry->payload);
  FourCC config_box = 0;
  if (info.type == fourcc("avc1") || info.type == fourcc("avc3")) config_box = fourcc("avcC");
  else if (info.type == fourcc("hvc1") || info.type == fourcc("hev1")) config_box = fourcc("hvcC");
  else if (info.type == fourcc("av01")) config_box = fourcc("av1C");
  else return info;  // a type of no interest here: no configuration
  if (entry->payload.size() < kSampleEntryHeader + kVisualFields) return error(name + " sample entry is truncated");
  ByteCursor visual(entry->payload.subspan(kSampleEntryHeader + 16));
  info.width = visual.u16();
  info.height = visual.u16();
  const auto box = find_child(entry->payload.subspan(kSampleEntryHeader + kVisualFields), config_box);
  if (!box) return error(name + " sample entry has no " + fourcc_text(config_box));
  info.config = box->payload;
  return info;
}

}  // namespace bvlive::fmp4
