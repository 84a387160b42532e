#include "core/media/fmp4/movie_reader.hpp"

#include <algorithm>
#include <string>

#include "core/media/fmp4/byte_cursor.hpp"

namespace bvlive::fmp4 {
namespace {

ParseError error(const std::string& message) { return ParseError{"mp4: " + message}; }

// A FullBox's payload after version and flags, and its version.
std::optional<std::pair<ByteCursor, std::uint8_t>> full_box(ByteSpan stbl, const char (&type)[5]) {
  const auto box = find_child(stbl, fourcc(type));
  if (!box || box->payload.size() < 4) return std::nullopt;
  return std::pair{ByteCursor(box->payload.subspan(4)), box->payload[0]};
}

// Every table of one track, checked against each other and the file.
Parsed<std::vector<MovieSample>> samples_of(ByteSpan stbl, std::uint64_t file_size) {
  // Sizes: stsz, or the compact stz2.
  std::vector<std::uint32_t> sizes;
  if (auto stsz = full_box(stbl, "stsz")) {
    ByteCursor& in = stsz->first;
    const std::uint32_t fixed = in.u32();
    const std::uint32_t count = in.u32();
    if (in.failed() || count > kMaxMovieSamples) return error("stsz is damaged");
    if (fixed == 0 && in.remaining() < std::size_t{count} * 4) return error("stsz is truncated");
    sizes.resize(count, fixed);
    if (fixed == 0)
      for (auto& s : sizes) s = in.u32();
  } else if (auto stz2 = full_box(stbl, "stz2")) {
    ByteCursor& in = stz2->first;
    in.u24();
    const unsigned field = in.u8();
    const std::uint32_t count = in.u32();
    if (in.failed() || count > kMaxMovieSamples || (field != 4 && field != 8 && field != 16))
      return error("stz2 is damaged");
    if (in.remaining() < (std::size_t{count} * field + 7) / 8) return error("stz2 is truncated");
    sizes.resize(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      if (field == 16) sizes[i] = in.u16();
      else if (field == 8) sizes[i] = in.u8();
      else {
        if (i % 2 == 0) {
          const std::uint8_t b = in.u8();
          sizes[i] = b >> 4;
          if (i + 1 < count) sizes[i + 1] = b & 0x0F;
        }
      }
    }
  } else {
    return error("no stsz");
  }
  const std::size_t n = sizes.size();
  std::vector<MovieSample> samples(n);
  for (std::size_t i = 0; i < n; ++i) samples[i].size = sizes[i];

  // Decode times: stts runs.
  auto stts = full_box(stbl, "stts");
  if (!stts) return error("no stts");
  {
    ByteCursor& in = stts->first;
    const std::uint32_t runs = in.u32();
    std::size_t at = 0;
    std::int64_t dts = 0;
    for (std::uint32_t r = 0; r < runs && at < n && !in.failed(); ++r) {
      const std::uint32_t count = in.u32();
      const std::uint32_t delta = in.u32();
      for (std::uint32_t k = 0; k < count && at < n; ++k, ++at) {
        samples[at].dts = dts;
        dts += delta;
      }
    }
    if (in.failed() || at < n) return error("stts covers fewer samples than stsz");
  }
  // Composition offsets: ctts runs (signed in version 1; version 0 values read the same way,
  // as muxers write negative offsets there too).
  if (auto ctts = full_box(stbl, "ctts")) {
    ByteCursor& in = ctts->first;
    const std::uint32_t runs = in.u32();
    std::size_t at = 0;
    for (std::uint32_t r = 0; r < runs && at < n && !in.failed(); ++r) {
      const std::uint32_t count = in.u32();
      const auto offset = static_cast<std::int32_t>(in.u32());
      for (std::uint32_t k = 0; k < count && at < n; ++k, ++at) samples[at].composition_offset = offset;
    }
    if (in.failed()) return error("ctts is truncated");
  }
  // Sync samples: stss, 1-based; without it every sample is one.
  if (auto stss = full_box(stbl, "stss")) {
    ByteCursor& in = stss->first;
    const std::uint32_t count = in.u32();
    if (in.failed() || in.remaining() < std::size_t{count} * 4) return error("stss is truncated");
    for (auto& s : samples) s.sync = false;
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t number = in.u32();
      if (number >= 1 && number <= n) samples[number - 1].sync = true;
    }
  }
  // Offsets: chunks (stco or co64), samples per chunk (stsc runs).
  std::vector<std::uint64_t> chunks;
  if (auto stco = full_box(stbl, "stco")) {
    ByteCursor& in = stco->first;
    const std::uint32_t count = in.u32();
    if (in.failed() || in.remaining() < std::size_t{count} * 4) return error("stco is truncated");
    chunks.resize(count);
    for (auto& c : chunks) c = in.u32();
  } else if (auto co64 = full_box(stbl, "co64")) {
    ByteCursor& in = co64->first;
    const std::uint32_t count = in.u32();
    if (in.failed() || in.remaining() < std::size_t{count} * 8) return error("co64 is truncated");
    chunks.resize(count);
    for (auto& c : chunks) c = in.u64();
  } else {
    return error("no stco or co64");
  }
  auto stsc = full_box(stbl, "stsc");
  if (!stsc) return error("no stsc");
  struct Run {
    std::uint32_t first_chunk, per_chunk;
  };
  std::vector<Run> runs;
  {
    ByteCursor& in = stsc->first;
    const std::uint32_t count = in.u32();
    if (in.failed() || in.remaining() < std::size_t{count} * 12) return error("stsc is truncated");
    for (std::uint32_t i = 0; i < count; ++i) {
      const std::uint32_t first = in.u32(), per = in.u32();
      in.u32();  // sample_description_index: one entry is all we play
      if (first == 0 || (!runs.empty() && first <= runs.back().first_chunk)) return error("stsc is out of order");
      runs.push_back({first, per});
    }
  }
  std::size_t at = 0;
  for (std::size_t r = 0; r < runs.size() && at < n; ++r) {
    const std::uint64_t last_chunk = r + 1 < runs.size() ? runs[r + 1].first_chunk - 1 : chunks.size();
    for (std::uint64_t c = runs[r].first_chunk; c <= last_chunk && c <= chunks.size() && at < n; ++c) {
      std::uint64_t offset = chunks[c - 1];
      for (std::uint32_t k = 0; k < runs[r].per_chunk && at < n; ++k, ++at) {
        samples[at].offset = offset;
        offset += samples[at].size;
      }
    }
  }
  if (at < n) return error("stsc and stco place fewer samples than stsz counts");
  for (const auto& s : samples)
    if (s.offset + s.size > file_size) return error("a sample lies beyond the end of the file");
  return samples;
}

}  // namespace

Parsed<Movie> read_movie(ByteSpan moov_payload, std::uint64_t file_size) {
  Movie movie;
  BoxReader reader(moov_payload);
  while (auto trak = reader.next()) {
    if (trak->type != fourcc("trak")) continue;
    const auto hdlr = find_path(trak->payload, {fourcc("mdia"), fourcc("hdlr")});
    const auto mdhd = find_path(trak->payload, {fourcc("mdia"), fourcc("mdhd")});
    const auto tkhd = find_child(trak->payload, fourcc("tkhd"));
    const auto stbl = find_path(trak->payload, {fourcc("mdia"), fourcc("minf"), fourcc("stbl")});
    if (!hdlr || !mdhd || !tkhd || !stbl) return error("trak without tkhd, mdhd, hdlr or stbl");
    ByteCursor h(hdlr->payload);
    h.skip(8);
    const FourCC handler = h.u32();
    if (handler != fourcc("vide") && handler != fourcc("soun")) continue;  // text, hint, ...
    MovieTrack track;
    track.kind = handler == fourcc("vide") ? TrackKind::video : TrackKind::audio;
    ByteCursor m(mdhd->payload);
    const std::uint8_t mdhd_version = m.u8();
    m.skip(3 + (mdhd_version == 1 ? 16 : 8));
    track.timescale = m.u32();
    ByteCursor t(tkhd->payload);
    const std::uint8_t tkhd_version = t.u8();
    t.skip(3 + (tkhd_version == 1 ? 16 : 8));
    track.track_id = t.u32();
    if (h.failed() || m.failed() || t.failed() || track.timescale == 0) return error("track header is damaged");
    auto entry = first_sample_entry(trak->payload);
    if (const auto* e = std::get_if<ParseError>(&entry)) return error(e->message);
    const auto& info = std::get<SampleEntryInfo>(entry);
    track.entry_type = info.type;
    track.config.assign(info.config.begin(), info.config.end());
    track.object_type = info.object_type;
    auto samples = samples_of(stbl->payload, file_size);
    if (const auto* e = std::get_if<ParseError>(&samples)) return *e;
    track.samples = std::move(std::get<std::vector<MovieSample>>(samples));
    // The edit list's first non-empty edit says where presentation starts in the media
    // (§8.6.6): muxers put a video track's first composition offset there, B-frames'
    // delay. Decode times move back by it, so audio and video start together.
    if (const auto elst = find_path(trak->payload, {fourcc("edts"), fourcc("elst")})) {
      ByteCursor e(elst->payload);
      const std::uint8_t version = e.u8();
      e.skip(3);
      const std::uint32_t entries = e.u32();
      for (std::uint32_t i = 0; i < entries && !e.failed(); ++i) {
        e.skip(version == 1 ? 8 : 4);  // segment_duration
        const std::int64_t media_time = version == 1 ? static_cast<std::int64_t>(e.u64()) : e.i32();
        e.skip(4);  // media_rate
        if (media_time < 0) continue;  // an empty edit
        if (!e.failed())
          for (auto& sample : track.samples) sample.dts -= media_time;
        break;
      }
    }
    movie.tracks.push_back(std::move(track));
  }
  if (reader.error()) return error("moov: " + describe(*reader.error()));
  return movie;
}

}  // namespace bvlive::fmp4
