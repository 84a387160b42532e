#include "core/media/cenc/fragment_encryptor.hpp"

#include <optional>
#include <string>

#include "core/media/cenc/cenc_boxes.hpp"
#include "core/media/cenc/sample_encryptor.hpp"
#include "core/media/fmp4/byte_cursor.hpp"
#include "core/media/fmp4/fragment_info.hpp"

namespace bvlive::cenc {
namespace {

using fmp4::Box;
using fmp4::fourcc;
using fmp4::ParseError;

ParseError error(const std::string& message) { return ParseError{"cenc: fragment: " + message}; }

const TrackEncryption* find_track(const std::vector<TrackEncryption>& tracks, std::uint32_t id) {
  for (const auto& t : tracks)
    if (t.track_id == id) return &t;
  return nullptr;
}

// One traf as read: where its truns' data_offset fields are (in the traf's payload), and
// its samples' places (relative to the moof's first byte) and sizes.
struct TrafLayout {
  std::uint32_t track_id = 0;
  std::vector<std::size_t> data_offset_fields;
  struct Place {
    std::uint64_t at = 0;
    std::uint32_t size = 0;
  };
  std::vector<Place> samples;
};

fmp4::Parsed<TrafLayout> read_traf(const Box& traf, const std::vector<TrackEncryption>& tracks) {
  TrafLayout layout;
  const auto tfhd = fmp4::find_child(traf.payload, fourcc("tfhd"));
  if (!tfhd) return error("traf without tfhd");
  fmp4::ByteCursor head(tfhd->payload);
  head.u8();
  const std::uint32_t flags = head.u24();
  layout.track_id = head.u32();
  if (head.failed()) return error("truncated tfhd");
  const std::string name = "track " + std::to_string(layout.track_id);
  if (flags & fmp4::kTfhdBaseDataOffset) return error(name + ": tfhd has a base_data_offset");
  if (!(flags & fmp4::kTfhdDefaultBaseIsMoof)) return error(name + ": tfhd without default-base-is-moof");
  if (flags & fmp4::kTfhdSampleDescriptionIndex) head.u32();
  if (flags & fmp4::kTfhdDefaultSampleDuration) head.u32();
  const TrackEncryption* track = find_track(tracks, layout.track_id);
  std::uint32_t default_size = track ? track->trex_default_sample_size : 0;
  if (flags & fmp4::kTfhdDefaultSampleSize) default_size = head.u32();
  if (head.failed()) return error(name + ": truncated tfhd");

  fmp4::BoxReader children(traf.payload);
  while (auto box = children.next()) {
    const auto t = box->type;
    if (t == fourcc("senc") || t == fourcc("saiz") || t == fourcc("saio") || t == fourcc("sbgp") ||
        t == fourcc("sgpd"))
      return error(name + ": traf already has '" + fmp4::fourcc_text(t) + "'");
    if (t != fourcc("trun")) continue;
    fmp4::ByteCursor in(box->payload);
    in.u8();
    const std::uint32_t trun_flags = in.u24();
    const std::uint32_t count = in.u32();
    if (!(trun_flags & fmp4::kTrunDataOffset)) return error(name + ": trun without data_offset");
    const std::size_t field = static_cast<std::size_t>(box->payload.data() - traf.payload.data()) + in.position();
    const std::int32_t data_offset = in.i32();
    if (trun_flags & fmp4::kTrunFirstSampleFlags) in.u32();
    if (in.failed() || count > fmp4::kMaxSamplesPerTrun) return error(name + ": unreadable trun");
    if (data_offset < 0) return error(name + ": trun data_offset points before the moof");
    layout.data_offset_fields.push_back(field);
    std::uint64_t at = static_cast<std::uint64_t>(data_offset);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (trun_flags & fmp4::kTrunSampleDuration) in.u32();
      const std::uint32_t size = (trun_flags & fmp4::kTrunSampleSize) ? in.u32() : default_size;
      if (trun_flags & fmp4::kTrunSampleFlags) in.u32();
      if (trun_flags & fmp4::kTrunSampleCompositionTimeOffset) in.u32();
      if (in.failed()) return error(name + ": truncated trun");
      layout.samples.push_back({at, size});
      at += size;
    }
  }
  if (children.error()) return error(name + ": " + fmp4::describe(*children.error()));
  return layout;
}

void put32(Bytes& out, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

// A traf of the new moof: the old one's boxes, then (encrypted tracks) saiz, saio, senc.
struct NewTraf {
  const Box* old = nullptr;
  TrafLayout layout;
  bool encrypted = false;
  Bytes saiz, senc;
};

}  // namespace

fmp4::Parsed<Bytes> encrypt_fragment(ByteSpan fragment, const std::vector<TrackEncryption>& tracks) {
  // Find the moof; everything else is copied as it is.
  std::optional<Box> moof;
  fmp4::BoxReader top(fragment);
  while (auto box = top.next()) {
    if (box->type != fourcc("moof")) continue;
    if (moof) return error("more than one moof");
    moof = box;
  }
  if (top.error()) return error(fmp4::describe(*top.error()));
  if (!moof) return error("no moof");
  const auto moof_at = static_cast<std::size_t>(moof->bytes.data() - fragment.data());
  const std::size_t moof_end = moof_at + moof->bytes.size();

  Bytes out(fragment.begin(), fragment.end());  // samples are encrypted in this copy

  std::vector<Box> trafs;
  std::vector<NewTraf> new_trafs;
  {
    fmp4::BoxReader children(moof->payload);
    while (auto box = children.next())
      if (box->type == fourcc("traf")) trafs.push_back(*box);
    if (children.error()) return error("moof: " + fmp4::describe(*children.error()));
  }
  for (const Box& traf : trafs) {
    auto layout = read_traf(traf, tracks);
    if (auto* bad = std::get_if<ParseError>(&layout)) return *bad;
    NewTraf nt;
    nt.old = &traf;
    nt.layout = std::move(std::get<TrafLayout>(layout));
    const TrackEncryption* track = find_track(tracks, nt.layout.track_id);
    if (track) {
      nt.encrypted = true;
      const bool video = track->video.has_value();
      std::vector<std::vector<Subsample>> entries;
      std::vector<std::uint32_t> sizes;
      for (const auto& place : nt.layout.samples) {
        const std::uint64_t start = moof_at + place.at;
        if (start < moof_end || start > out.size() || place.size > out.size() - start)
          return error("track " + std::to_string(track->track_id) + ": a sample lies outside the data after the moof");
        auto subsamples = encrypt_sample(std::span(out).subspan(static_cast<std::size_t>(start), place.size), *track);
        if (auto* bad = std::get_if<ParseError>(&subsamples)) return *bad;
        auto& list = std::get<std::vector<Subsample>>(subsamples);
        if (list.size() > kMaxSubsamples)
          return error("track " + std::to_string(track->track_id) + ": a sample has more subsamples than saiz can size");
        sizes.push_back(senc_entry_size(list, video));
        entries.push_back(std::move(list));
      }
      nt.saiz = make_saiz(sizes);
      nt.senc = make_senc(entries, video);
    }
    new_trafs.push_back(std::move(nt));
  }

  // The new moof, twice: the first pass places the senc boxes, the second writes saio
  // offsets (saio's size does not depend on its value below 4 GiB).
  Bytes new_moof;
  std::vector<std::vector<std::size_t>> field_positions(new_trafs.size());  // in new_moof
  std::vector<std::uint64_t> senc_at(new_trafs.size(), 0);
  for (int pass = 0; pass < 2; ++pass) {
    fmp4::ByteBuilder payload;
    std::size_t traf_index = 0;
    fmp4::BoxReader children(moof->payload);
    while (auto child = children.next()) {
      if (child->type != fourcc("traf")) {
        payload.bytes(child->bytes);
        continue;
      }
      const NewTraf& nt = new_trafs[traf_index];
      const std::size_t traf_at = 8 + payload.data().size();  // from the moof's first byte
      Bytes body(nt.old->payload.begin(), nt.old->payload.end());
      if (nt.encrypted) {
        const Bytes saio = make_saio(senc_at[traf_index]);
        senc_at[traf_index] = traf_at + 8 + body.size() + nt.saiz.size() + saio.size() + kSencEntriesOffset;
        body = fmp4::concat({body, nt.saiz, saio, nt.senc});
      }
      field_positions[traf_index].clear();
      for (const std::size_t f : nt.layout.data_offset_fields) field_positions[traf_index].push_back(traf_at + 8 + f);
      payload.bytes(fmp4::make_box(fourcc("traf"), body));
      ++traf_index;
    }
    new_moof = fmp4::make_box(fourcc("moof"), payload.data());
  }
  if (new_moof.size() > 0xFFFFFFFFu) return error("moof too large");

  // Everything after the moof moved by the growth of the moof.
  const std::size_t growth = new_moof.size() - moof->bytes.size();
  for (std::size_t t = 0; t < new_trafs.size(); ++t) {
    for (std::size_t f = 0; f < field_positions[t].size(); ++f) {
      const std::size_t at = field_positions[t][f];
      const std::uint64_t moved = std::uint64_t(fmp4::ByteCursor(std::span(new_moof).subspan(at, 4)).u32()) + growth;
      if (moved > 0x7FFFFFFFu) return error("data_offset overflows");
      put32(new_moof, at, static_cast<std::uint32_t>(moved));
    }
  }

  Bytes result;
  result.reserve(out.size() + growth);
  result.insert(result.end(), out.begin(), out.begin() + static_cast<std::ptrdiff_t>(moof_at));
  result.insert(result.end(), new_moof.begin(), new_moof.end());
  result.insert(result.end(), out.begin() + static_cast<std::ptrdiff_t>(moof_end), out.end());
  return result;
}

fmp4::Parsed<fmp4::Fragment> encrypt_fragment(const fmp4::Fragment& fragment, const std::vector<TrackEncryption>& tracks) {
  auto bytes = encrypt_fragment(ByteSpan(fragment.bytes), tracks);
  if (auto* bad = std::get_if<ParseError>(&bytes)) return *bad;
  return fmp4::Fragment{std::move(std::get<Bytes>(bytes)), fragment.info};
}

}  // namespace bvlive::cenc
