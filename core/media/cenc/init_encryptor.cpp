#include "core/media/cenc/init_encryptor.hpp"

#include <string>

#include "core/media/cenc/box_splice.hpp"
#include "core/media/cenc/cenc_boxes.hpp"
#include "core/media/codec/h264_config.hpp"
#include "core/media/codec/hevc_config.hpp"
#include "core/media/fmp4/byte_cursor.hpp"
#include "core/media/fmp4/init_info.hpp"
#include "core/media/fmp4/sample_entry.hpp"

namespace bvlive::cenc {
namespace {

using fmp4::Box;
using fmp4::fourcc;
using fmp4::ParseError;

ParseError error(const std::string& message) { return ParseError{"cenc: init segment: " + message}; }

struct TrakResult {
  Bytes trak;
  std::optional<TrackEncryption> track;  // empty: left clear
};

fmp4::Parsed<TrakResult> encrypt_trak(const Box& trak, const fmp4::TrackInfo& info, const CencKey& key) {
  if (info.kind == fmp4::TrackKind::other) return TrakResult{Bytes(trak.bytes.begin(), trak.bytes.end()), std::nullopt};
  const std::string name = "track " + std::to_string(info.track_id);
  auto entry_info = fmp4::first_sample_entry(trak.payload);
  if (auto* bad = std::get_if<ParseError>(&entry_info)) return error(name + ": " + bad->message);
  const auto& sample_entry = std::get<fmp4::SampleEntryInfo>(entry_info);
  if (sample_entry.encrypted) return error(name + " is already encrypted");

  TrackEncryption track;
  track.track_id = info.track_id;
  track.original_format = sample_entry.type;
  track.key = key;
  track.trex_default_sample_size = info.defaults.size;
  const auto type = sample_entry.type;
  if (type == fourcc("avc1") || type == fourcc("avc3")) {
    const auto config = codec::parse_avc_config(sample_entry.config);
    if (auto* bad = std::get_if<ParseError>(&config)) return error(name + ": avcC: " + bad->message);
    track.video = VideoCodec::avc;
    track.nal_length_size = std::get<codec::AvcConfig>(config).nal_length_size;
  } else if (type == fourcc("hvc1") || type == fourcc("hev1")) {
    const auto config = codec::parse_hevc_config(sample_entry.config);
    if (auto* bad = std::get_if<ParseError>(&config)) return error(name + ": hvcC: " + bad->message);
    track.video = VideoCodec::hevc;
    track.nal_length_size = std::get<codec::HevcConfig>(config).nal_length_size;
  } else if (type == fourcc("mp4a")) {
    // AAC: whole-sample, no pattern (see sample_encryptor.hpp).
  } else {
    return error(name + ": cannot encrypt '" + fmp4::fourcc_text(type) + "' samples with cbcs");
  }
  track.pattern = track.video ? kVideoPattern : kNoPattern;

  // The chain down to the sample entry, every level kept to splice back up.
  const auto mdia = fmp4::find_child(trak.payload, fourcc("mdia"));
  const auto minf = mdia ? fmp4::find_child(mdia->payload, fourcc("minf")) : std::nullopt;
  const auto stbl = minf ? fmp4::find_child(minf->payload, fourcc("stbl")) : std::nullopt;
  const auto stsd = stbl ? fmp4::find_child(stbl->payload, fourcc("stsd")) : std::nullopt;
  if (!stsd || stsd->payload.size() < 8) return error(name + ": no stsd");
  fmp4::ByteCursor head(stsd->payload);
  head.u32();
  // Only the first entry would get a sinf; fragments may point at any of them.
  if (head.u32() != 1) return error(name + ": stsd with more than one sample entry");
  fmp4::BoxReader entries(stsd->payload.subspan(8));
  const auto entry = entries.next();
  if (!entry || entry->header_size != 8) return error(name + ": unreadable sample entry");

  // The sinf goes after the entry's own children: readers find it by type, and the
  // fields and boxes before it keep their offsets.
  const Bytes sinf = make_sinf(sample_entry.type, key, track.pattern);
  const Bytes new_entry =
      fmp4::make_box(fourcc(track.video ? "encv" : "enca"), fmp4::concat({entry->payload, sinf}));
  const Bytes new_stsd = splice_child(*stsd, *entry, new_entry);
  const Bytes new_stbl = splice_child(*stbl, *stsd, new_stsd);
  const Bytes new_minf = splice_child(*minf, *stbl, new_stbl);
  const Bytes new_mdia = splice_child(*mdia, *minf, new_minf);
  return TrakResult{splice_child(trak, *mdia, new_mdia), track};
}

}  // namespace

fmp4::Parsed<EncryptedInit> encrypt_init(ByteSpan init, const CencKey& key, const std::vector<PsshBox>& pssh) {
  EncryptedInit out;
  bool has_moov = false;
  fmp4::BoxReader top(init);
  while (auto box = top.next()) {
    if (box->type != fourcc("moov")) {
      out.bytes.insert(out.bytes.end(), box->bytes.begin(), box->bytes.end());
      continue;
    }
    if (has_moov) return error("more than one moov");
    has_moov = true;
    auto parsed = fmp4::parse_moov(box->payload);
    if (auto* bad = std::get_if<ParseError>(&parsed)) return error(bad->message);
    const auto& info = std::get<fmp4::InitInfo>(parsed);

    fmp4::ByteBuilder moov;
    std::size_t trak_index = 0;
    fmp4::BoxReader children(box->payload);
    while (auto child = children.next()) {
      if (child->type == fourcc("pssh")) return error("already has a pssh");
      if (child->type != fourcc("trak")) {
        moov.bytes(child->bytes);
        continue;
      }
      // parse_moov lists the tracks in trak order.
      auto result = encrypt_trak(*child, info.tracks.at(trak_index++), key);
      if (auto* bad = std::get_if<ParseError>(&result)) return *bad;
      auto& done = std::get<TrakResult>(result);
      moov.bytes(done.trak);
      if (done.track) out.tracks.push_back(*done.track);
    }
    for (const PsshBox& p : pssh) moov.bytes(make_pssh(p));
    const Bytes moov_box = fmp4::make_box(fourcc("moov"), moov.data());
    out.bytes.insert(out.bytes.end(), moov_box.begin(), moov_box.end());
  }
  if (top.error()) return error(fmp4::describe(*top.error()));
  if (!has_moov) return error("no moov");
  if (out.tracks.empty()) return error("no audio or video track to encrypt");
  return out;
}

}  // namespace bvlive::cenc
