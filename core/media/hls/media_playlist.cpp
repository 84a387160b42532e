#include "core/media/hls/media_playlist.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/media/hls/program_date_time.hpp"

namespace bvlive::hls {
namespace {

// A segment's duration as EXTINF prints it: three decimals, never negative.
double printed_duration(double seconds) {
  if (!(seconds > 0)) return 0;  // also catches NaN
  return std::round(seconds * 1000) / 1000;
}

std::string three_decimals(double value) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, 3);
  return std::string(text, result.ptr);
}

// [first, last) of `all` that the view lists.
struct Range {
  std::size_t first = 0;
  std::size_t last = 0;
};

Range select_range(std::span<const SegmentRecord> all, const MediaPlaylistOptions& options) {
  std::size_t first = 0;
  if (options.dvr_start && options.view != View::Preview) {
    const TimeMs start = *options.dvr_start;
    const auto it = std::find_if(all.begin(), all.end(), [start](const SegmentRecord& s) {
      const auto end_ms = s.program_date_time +
                          static_cast<TimeMs>(std::llround(printed_duration(s.duration) * 1000));
      return end_ms > start;
    });
    first = static_cast<std::size_t>(it - all.begin());
  }
  if (options.view != View::Dvr && options.view != View::Vod && options.window > 0) {
    const auto window = static_cast<std::size_t>(options.window);
    if (all.size() - first > window) first = all.size() - window;
  }
  return Range{first, all.size()};
}

// RFC 8216 §4.3.3.1: an integer at least every EXTINF rounded to the nearest integer. The
// configured length is rounded up, segments to the nearest: a GOP a frame longer than the
// target (1.04 s for 1 s) must not raise it, or it would fall back once that segment has
// left the index, and the tag must not change while a live runs.
std::int64_t target_duration(std::span<const SegmentRecord> all, double hint) {
  std::int64_t target = hint > 0 ? static_cast<std::int64_t>(std::ceil(printed_duration(hint))) : 1;
  for (const SegmentRecord& s : all)
    target = std::max(target, static_cast<std::int64_t>(std::llround(printed_duration(s.duration))));
  return std::max<std::int64_t>(1, target);
}

std::string uri(const std::string& file, const MediaPlaylistOptions& options) {
  return options.uri_prefix + file + options.uri_query;
}

// Past this gap between a segment's time and where the previous one ended, the playlist
// states the time again instead of letting players extrapolate.
constexpr TimeMs kDateTimeDriftMs = 500;

// An IV attribute: 0x and 32 hex digits, the sequence number big-endian (§4.3.2.4).
}  // namespace

std::string iv_hex(std::int64_t seq) {
  char text[35];
  std::snprintf(text, sizeof text, "0x%016llx%016llx", 0ULL, static_cast<unsigned long long>(seq));
  return text;
}

std::vector<SegmentRecord> select_segments(std::span<const SegmentRecord> all,
                                           const MediaPlaylistOptions& options) {
  const Range range = select_range(all, options);
  return {all.begin() + static_cast<std::ptrdiff_t>(range.first),
          all.begin() + static_cast<std::ptrdiff_t>(range.last)};
}

std::string media_playlist(std::span<const SegmentRecord> all,
                           const MediaPlaylistOptions& options) {
  const Range range = select_range(all, options);
  const auto selected = all.subspan(range.first, range.last - range.first);

  // Discontinuities already slid out of the window still count (§6.2.2).
  std::int64_t discontinuity_sequence = 0;
  for (std::size_t i = 1; i <= range.first && i < all.size(); ++i)
    if (is_discontinuity(all[i - 1], all[i])) ++discontinuity_sequence;
  // With nothing selected, the next segment to come is the one after the last known.
  const std::int64_t media_sequence =
      !selected.empty() ? selected.front().seq : (all.empty() ? 0 : all.back().seq + 1);
  const bool all_independent = std::all_of(selected.begin(), selected.end(),
                                           [](const SegmentRecord& s) { return s.independent; });

  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n";
  out += "#EXT-X-TARGETDURATION:" +
         std::to_string(target_duration(all, options.target_duration_hint)) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(media_sequence) + "\n";
  out += "#EXT-X-DISCONTINUITY-SEQUENCE:" + std::to_string(discontinuity_sequence) + "\n";
  if (options.view == View::Dvr) out += "#EXT-X-PLAYLIST-TYPE:EVENT\n";
  if (options.view == View::Vod) out += "#EXT-X-PLAYLIST-TYPE:VOD\n";
  // Only a promise when it holds for every listed segment (§4.3.5.1).
  if (all_independent) out += "#EXT-X-INDEPENDENT-SEGMENTS\n";

  const SegmentRecord* previous = nullptr;
  std::string current_map;
  std::string current_key;  // the key in effect ("" = none)
  std::int64_t listed = 0;  // segments written so far
  bool explicit_iv = false;
  for (const SegmentRecord& s : selected) {
    const bool new_session = previous && is_discontinuity(*previous, s);
    if (new_session) out += "#EXT-X-DISCONTINUITY\n";
    if (!previous || new_session || s.init_file != current_map) {
      current_map = s.init_file;
      // A key in effect would apply to the init segment too (§4.3.2.5): keep it clear.
      if (!current_key.empty()) out += "#EXT-X-KEY:METHOD=NONE\n";
      current_key.clear();
      out += "#EXT-X-MAP:URI=\"" + uri(s.init_file, options) + "\"\n";
    }
    if (options.key_uri) {
      // Segments are sealed with their seq as IV, which players assume when the tag names
      // none (§5.2). After a gap in the numbering that no longer holds: from there on,
      // every segment gets its own tag with the IV spelled out.
      const std::string key = options.key_uri(s);
      explicit_iv = explicit_iv || (!key.empty() && s.seq != media_sequence + listed);
      if (key.empty() ? !current_key.empty() : (key != current_key || explicit_iv))
        out += key.empty() ? std::string("#EXT-X-KEY:METHOD=NONE\n")
                           : "#EXT-X-KEY:METHOD=AES-128,URI=\"" + uri(key, options) + "\"" +
                                 (explicit_iv ? ",IV=" + iv_hex(s.seq) : std::string()) + "\n";
      current_key = key;
    }
    ++listed;
    bool state_time = !previous || new_session;
    if (!state_time) {
      const TimeMs expected =
          previous->program_date_time +
          static_cast<TimeMs>(std::llround(printed_duration(previous->duration) * 1000));
      state_time = std::llabs(s.program_date_time - expected) > kDateTimeDriftMs;
    }
    if (state_time)
      out += "#EXT-X-PROGRAM-DATE-TIME:" + format_program_date_time(s.program_date_time) + "\n";
    out += "#EXTINF:" + three_decimals(printed_duration(s.duration)) + ",\n";
    out += uri(s.file, options) + "\n";
    previous = &s;
  }
  if (options.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace bvlive::hls
