#include "core/media/hls/vod_playlist.hpp"

#include <cmath>

#include "core/media/hls/media_playlist.hpp"

namespace bvlive::hls {
namespace {

TimeMs end_of(const SegmentRecord& s) {
  const double seconds = s.duration > 0 ? s.duration : 0;  // also catches NaN
  return s.program_date_time + static_cast<TimeMs>(std::llround(seconds * 1000));
}

}  // namespace

std::vector<SegmentRecord> vod_segments(std::span<const SegmentRecord> segments,
                                        std::optional<TimeMs> from, std::optional<TimeMs> to) {
  std::vector<SegmentRecord> out;
  for (const SegmentRecord& s : segments) {
    if (from && end_of(s) <= *from) continue;
    if (to && s.program_date_time >= *to) continue;
    out.push_back(s);
  }
  return out;
}

std::string vod_playlist(std::span<const SegmentRecord> segments, std::optional<TimeMs> from,
                         std::optional<TimeMs> to, const std::string& uri_prefix) {
  const std::vector<SegmentRecord> selected = vod_segments(segments, from, to);
  // media_playlist over just the selection, everything listed and ended, writes the same
  // segment lines, maps, discontinuities and date-times as the live playlists do.
  MediaPlaylistOptions options;
  options.view = View::Vod;
  options.window = 0;
  options.ended = true;
  options.target_duration_hint = 0;  // from the selected segments only
  options.uri_prefix = uri_prefix;
  return media_playlist(selected, options);
}

double vod_duration(std::span<const SegmentRecord> segments, std::optional<TimeMs> from,
                    std::optional<TimeMs> to) {
  double total = 0;
  for (const SegmentRecord& s : vod_segments(segments, from, to))
    if (s.duration > 0) total += s.duration;
  return total;
}

}  // namespace bvlive::hls
