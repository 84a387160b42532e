#include "core/media/hls/low_latency_playlist.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>

namespace bvlive::hls {
namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  const auto result = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed, decimals);
  return std::string(text, result.ptr);
}

// Part durations are printed with five decimals (sub-frame precision at any frame rate).
double printed_part_duration(double seconds) {
  if (!(seconds > 0)) return 0;  // also catches NaN
  return std::round(seconds * 1e5) / 1e5;
}

// PART-TARGET: at least every printed part duration, so the "no part longer than the target"
// rule holds on the printed values; three decimals when that is exact ("0.333"), else five.
double part_target(double configured, std::span<const PartRecord> parts) {
  double target = configured > 0 ? std::ceil(configured * 1e5 - 1e-6) / 1e5 : 0;
  for (const PartRecord& p : parts) target = std::max(target, printed_part_duration(p.duration));
  return target;
}

std::string print_part_target(double target) {
  std::string text = fixed(target, 5);
  while (text.size() > 1 && text.back() == '0' && text.find('.') + 4 < text.size()) text.pop_back();
  return text;
}

std::string uri(const std::string& file, const MediaPlaylistOptions& options) {
  return options.uri_prefix + file + options.uri_query;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool starts_with(std::string_view line, std::string_view prefix) { return line.substr(0, prefix.size()) == prefix; }

// The playlist-level tags media_playlist writes before the first segment.
bool is_header_line(const std::string& line) {
  for (const char* tag : {"#EXTM3U", "#EXT-X-VERSION:", "#EXT-X-TARGETDURATION:", "#EXT-X-MEDIA-SEQUENCE:",
                          "#EXT-X-DISCONTINUITY-SEQUENCE:", "#EXT-X-PLAYLIST-TYPE:", "#EXT-X-INDEPENDENT-SEGMENTS"})
    if (starts_with(line, tag)) return true;
  return false;
}

// media_playlist's text cut into its header lines and one block of lines per segment (the
// block ends with the segment's URI line); EXT-X-ENDLIST dropped.
struct Rendered {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> blocks;
};

Rendered cut(const std::string& text) {
  Rendered out;
  std::vector<std::string> block;
  bool in_header = true;
  for (std::string& line : split_lines(text)) {
    if (line.empty() || line == "#EXT-X-ENDLIST") continue;
    if (in_header && is_header_line(line)) {
      out.header.push_back(std::move(line));
      continue;
    }
    in_header = false;
    const bool is_uri = line[0] != '#';
    block.push_back(std::move(line));
    if (is_uri) out.blocks.push_back(std::exchange(block, {}));
  }
  return out;
}

// Parts by parent segment, each list sorted by index.
using PartsBySeq = std::map<std::int64_t, std::vector<const PartRecord*>>;

PartsBySeq by_seq(std::span<const PartRecord> parts) {
  PartsBySeq out;
  for (const PartRecord& p : parts) out[p.seq].push_back(&p);
  for (auto& [seq, list] : out)
    std::stable_sort(list.begin(), list.end(),
                     [](const PartRecord* a, const PartRecord* b) { return a->index < b->index; });
  return out;
}

// The leading run of parts numbered 0, 1, 2, ... (a part missing cuts the run there).
std::vector<const PartRecord*> numbered_run(const std::vector<const PartRecord*>& sorted) {
  std::vector<const PartRecord*> out;
  for (const PartRecord* p : sorted) {
    if (p->index != static_cast<int>(out.size())) break;
    out.push_back(p);
  }
  return out;
}

// A complete segment's parts, when every one of them is there (else none: a player adds
// them up to the segment).
std::vector<const PartRecord*> complete_parts(const PartsBySeq& parts, const SegmentRecord& s) {
  const auto it = parts.find(s.seq);
  if (it == parts.end()) return {};
  auto run = numbered_run(it->second);
  if (run.size() != it->second.size()) return {};
  return run;
}

// The open segment's parts that can be listed: seq one past the last segment, same session.
std::vector<const PartRecord*> open_parts(std::span<const SegmentRecord> all, const PartsBySeq& parts) {
  if (all.empty()) return {};
  const SegmentRecord& last = all.back();
  const auto it = parts.find(last.seq + 1);
  if (it == parts.end()) return {};
  auto run = numbered_run(it->second);
  if (std::any_of(run.begin(), run.end(), [&](const PartRecord* p) { return p->session_id != last.session_id; }))
    return {};
  return run;
}

// The file the segment after `last` will have, in the same push: the number in its name
// advanced ("S/seg_00000042.m4s" -> "S/seg_00000043.m4s"; files are numbered per push, not by
// seq), or seg_SEQ.m4s in its folder when its name carries no number.
std::string next_segment_file(const SegmentRecord& last) {
  const std::string& file = last.file;
  const std::size_t slash = file.rfind('/');
  const std::size_t base = slash == std::string::npos ? 0 : slash + 1;
  const std::size_t dot = file.find('.', base);
  const std::size_t digits_end = dot == std::string::npos ? file.size() : dot;
  std::size_t digits_begin = digits_end;
  while (digits_begin > base && file[digits_begin - 1] >= '0' && file[digits_begin - 1] <= '9') --digits_begin;
  std::int64_t number = -1;
  if (digits_begin < digits_end && digits_end - digits_begin <= 18)
    std::from_chars(file.data() + digits_begin, file.data() + digits_end, number);
  if (number >= 0) {
    std::string next = std::to_string(number + 1);
    const std::size_t width = digits_end - digits_begin;
    if (next.size() < width) next.insert(0, width - next.size(), '0');
    return file.substr(0, digits_begin) + next + file.substr(digits_end);
  }
  char name[40];
  std::snprintf(name, sizeof name, "seg_%08lld.m4s", static_cast<long long>(last.seq + 1));
  return file.substr(0, base) + name;
}

// The part the preload hint names: the open segment's next one (its file beside the listed
// parts), else the first part of the segment after the last one.
std::string hinted_part(const SegmentRecord& last, const std::vector<const PartRecord*>& open) {
  if (open.empty()) return part_file(next_segment_file(last), 0);
  const std::string& listed = open.back()->file;  // "S/seg_N.pK.m4s"
  const std::size_t slash = listed.rfind('/');
  const std::size_t mark = listed.rfind(".p");
  const std::size_t dot = listed.find('.', mark + 2);
  if (mark == std::string::npos || (slash != std::string::npos && mark < slash) || dot == std::string::npos)
    return part_file(next_segment_file(last), static_cast<int>(open.size()));
  return part_file(listed.substr(0, mark) + listed.substr(dot), static_cast<int>(open.size()));
}

std::string part_line(const PartRecord& p, const MediaPlaylistOptions& options) {
  return "#EXT-X-PART:DURATION=" + fixed(printed_part_duration(p.duration), 5) + ",URI=\"" + uri(p.file, options) +
         "\"" + (p.independent ? ",INDEPENDENT=YES" : "") + "\n";
}

double printed_segment_duration(double seconds) { return seconds > 0 ? std::round(seconds * 1000) / 1000 : 0; }

// How many of the first `listed` segments a delta update replaces with EXT-X-SKIP: those that
// end at least `skip_until` seconds before the last one ends, but never a discontinuity or a
// gap in numbering (the player rebuilds the skipped run from its previous copy by position).
std::size_t skippable(std::span<const SegmentRecord> listed, double skip_until) {
  if (listed.empty()) return 0;
  if (listed.back().seq - listed.front().seq != static_cast<std::int64_t>(listed.size()) - 1) return 0;
  double after = 0;
  std::vector<double> end_to_last(listed.size());  // from the end of segment i to the last one's end
  for (std::size_t i = listed.size(); i-- > 0;) {
    end_to_last[i] = after;
    after += printed_segment_duration(listed[i].duration);
  }
  std::size_t count = 0;
  while (count < listed.size() && end_to_last[count] + 1e-9 >= skip_until) {
    if (count > 0 && is_discontinuity(listed[count - 1], listed[count])) break;
    ++count;
  }
  return count;
}

std::int64_t header_number(const std::vector<std::string>& header, std::string_view tag) {
  for (const std::string& line : header)
    if (starts_with(line, tag)) return std::atoll(line.c_str() + tag.size());
  return 0;
}

}  // namespace

std::string low_latency_playlist(std::span<const SegmentRecord> all, std::span<const PartRecord> parts,
                                 const MediaPlaylistOptions& options, const LowLatencyOptions& ll, bool skip,
                                 const std::function<std::pair<std::int64_t, int>(const std::string& uri)>& report_last) {
  const Rendered full = cut(media_playlist(all, options));
  const std::size_t selected = full.blocks.size();
  const auto listed_all = all.subspan(all.size() - selected);  // the view's segments
  const std::int64_t target = header_number(full.header, "#EXT-X-TARGETDURATION:");
  const double skip_until = 6.0 * static_cast<double>(target);

  const std::size_t skipped = (skip && ll.can_skip) ? skippable(listed_all, skip_until) : 0;
  // The remaining segments rendered on their own, so the first one states its EXT-X-MAP,
  // key and date; the header (sequence numbers included) stays the full playlist's.
  Rendered body;
  if (skipped > 0) {
    MediaPlaylistOptions rest = options;
    rest.view = View::Preview;
    rest.window = 0;
    body = cut(media_playlist(listed_all.subspan(skipped), rest));
    // The run skipped ends right before a discontinuity: the first segment listed keeps its tag.
    if (is_discontinuity(listed_all[skipped - 1], listed_all[skipped]))
      body.blocks.front().insert(body.blocks.front().begin(), "#EXT-X-DISCONTINUITY");
  }
  const auto& blocks = skipped > 0 ? body.blocks : full.blocks;
  const auto listed = listed_all.subspan(skipped);

  const PartsBySeq by_parent = by_seq(parts);
  const auto open = (options.ended || listed.empty()) ? std::vector<const PartRecord*>{} : open_parts(all, by_parent);
  // Complete segments whose parts are listed, counted from the newest: at least
  // parts_segments of them, and enough to cover three target durations with the open parts.
  std::size_t with_parts = 0;
  double covered = 0;
  for (const PartRecord* p : open) covered += printed_part_duration(p->duration);
  while (with_parts < listed.size()) {
    const SegmentRecord& s = listed[listed.size() - 1 - with_parts];
    if (with_parts >= static_cast<std::size_t>(std::max(ll.parts_segments, 0)) &&
        covered + 1e-9 >= 3.0 * static_cast<double>(target))
      break;
    if (complete_parts(by_parent, s).empty()) break;
    covered += printed_segment_duration(s.duration);
    ++with_parts;
  }

  const double part_target_value = part_target(ll.part_target, parts);
  std::string out;
  for (const std::string& line : full.header) {
    if (starts_with(line, "#EXT-X-VERSION:")) {
      out += ll.can_skip ? "#EXT-X-VERSION:9\n" : "#EXT-X-VERSION:7\n";
      continue;
    }
    out += line + "\n";
    if (starts_with(line, "#EXT-X-TARGETDURATION:")) {
      const double hold_back = std::ceil(3 * part_target_value * 1000 - 1e-6) / 1000;
      out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=" + fixed(hold_back, 3);
      if (ll.can_skip) out += ",CAN-SKIP-UNTIL=" + fixed(skip_until, 3);
      out += "\n#EXT-X-PART-INF:PART-TARGET=" + print_part_target(part_target_value) + "\n";
    }
  }
  if (skipped > 0) out += "#EXT-X-SKIP:SKIPPED-SEGMENTS=" + std::to_string(skipped) + "\n";

  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const bool list_parts = i >= listed.size() - with_parts;
    for (const std::string& line : blocks[i]) {
      if (list_parts && starts_with(line, "#EXTINF:"))
        for (const PartRecord* p : complete_parts(by_parent, listed[i])) out += part_line(*p, options);
      out += line + "\n";
    }
  }

  if (!options.ended && !listed.empty()) {
    if (options.key_uri && !open.empty()) {
      // The open segment's key may be a new period's, and the IV its seq: say both, as the
      // last segment's tag may have named another key or an explicit IV.
      SegmentRecord parent = all.back();
      parent.seq = open.front()->seq;
      parent.program_date_time = open.front()->program_date_time;
      if (const std::string key = options.key_uri(parent); !key.empty())
        out += "#EXT-X-KEY:METHOD=AES-128,URI=\"" + uri(key, options) + "\",IV=" + iv_hex(parent.seq) + "\n";
    }
    for (const PartRecord* p : open) out += part_line(*p, options);
    const bool other_session_open = open.empty() && [&] {
      const auto it = by_parent.find(all.back().seq + 1);
      return it != by_parent.end() && !it->second.empty() && it->second.front()->session_id != all.back().session_id;
    }();
    if (!other_session_open)
      out += "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"" +
             uri(hinted_part(all.back(), open), options) + "\"\n";
  }
  if (!options.ended)
    for (const std::string& report : ll.rendition_reports) {
      out += "#EXT-X-RENDITION-REPORT:URI=\"" + report + options.uri_query + "\"";
      if (report_last) {
        const auto [msn, part] = report_last(report);
        if (msn >= 0) out += ",LAST-MSN=" + std::to_string(msn);
        if (msn >= 0 && part >= 0) out += ",LAST-PART=" + std::to_string(part);
      }
      out += "\n";
    }
  if (options.ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

double frame_aligned_part_target(double configured, double frame_rate) {
  if (!(frame_rate > 0) || !(configured > 0)) return configured;
  const double frame = 1.0 / frame_rate;
  const double frames = std::ceil(configured * kPartCutRatio / frame - 1e-6);
  return std::max(1.0, frames) * frame;
}

std::pair<std::int64_t, int> last_msn_part(std::span<const SegmentRecord> all, std::span<const PartRecord> parts) {
  if (all.empty()) return {-1, -1};
  const PartsBySeq by_parent = by_seq(parts);
  const auto open = open_parts(all, by_parent);
  if (!open.empty()) return {all.back().seq + 1, static_cast<int>(open.size()) - 1};
  const auto done = complete_parts(by_parent, all.back());
  return {all.back().seq, static_cast<int>(done.size()) - 1};
}

BlockingAnswer blocking_reload(std::span<const SegmentRecord> all, std::span<const PartRecord> parts,
                               const BlockingRequest& req) {
  if (req.msn < 0 || (req.part && *req.part < 0)) return BlockingAnswer::BadRequest;
  const std::int64_t last = all.empty() ? -1 : all.back().seq;
  if (req.msn <= last) return BlockingAnswer::Now;
  if (req.msn > last + 2) return BlockingAnswer::TooFar;
  if (req.part && req.msn == last + 1) {
    const auto open = open_parts(all, by_seq(parts));
    if (static_cast<std::size_t>(*req.part) < open.size()) return BlockingAnswer::Now;
  }
  return BlockingAnswer::Wait;
}

namespace {

// A non-negative decimal integer that fits `T`, digits only.
template <typename T>
std::optional<T> parse_count(const std::string& text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<BlockingRequest> parse_blocking_query(const std::string* msn, const std::string* part,
                                                    std::string& error) {
  error.clear();
  if (!msn && !part) return std::nullopt;
  if (!msn) {
    error = "_HLS_part needs _HLS_msn (the media sequence number of the part's segment)";
    return std::nullopt;
  }
  BlockingRequest req;
  const auto seq = parse_count<std::int64_t>(*msn);
  if (!seq) {
    error = "_HLS_msn must be a non-negative decimal integer, got '" + *msn + "'";
    return std::nullopt;
  }
  req.msn = *seq;
  if (part) {
    const auto index = parse_count<int>(*part);
    if (!index) {
      error = "_HLS_part must be a non-negative decimal integer, got '" + *part + "'";
      return std::nullopt;
    }
    req.part = *index;
  }
  return req;
}

}  // namespace bvlive::hls
