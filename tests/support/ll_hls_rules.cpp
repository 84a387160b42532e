#include "support/ll_hls_rules.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>

namespace bvtest {
namespace {

using Attributes = std::map<std::string, std::string>;

// An attribute list (RFC 8216 §4.2): NAME=VALUE pairs separated by commas, quoted strings
// kept without their quotes.
Attributes attributes(std::string_view list) {
  Attributes out;
  std::size_t i = 0;
  while (i < list.size()) {
    const std::size_t eq = list.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name(list.substr(i, eq - i));
    std::size_t end;
    std::string value;
    if (eq + 1 < list.size() && list[eq + 1] == '"') {
      const std::size_t close = list.find('"', eq + 2);
      value = std::string(list.substr(eq + 2, close == std::string_view::npos ? list.npos : close - eq - 2));
      end = close == std::string_view::npos ? list.size() : list.find(',', close);
    } else {
      end = list.find(',', eq + 1);
      value = std::string(list.substr(eq + 1, end == std::string_view::npos ? list.npos : end - eq - 1));
    }
    out[name] = value;
    if (end == std::string_view::npos) break;
    i = end + 1;
  }
  return out;
}

std::optional<double> number(const std::string& text) {
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<double> attribute_number(const Attributes& a, const std::string& name) {
  const auto it = a.find(name);
  return it == a.end() ? std::nullopt : number(it->second);
}

std::string attribute(const Attributes& a, const std::string& name) {
  const auto it = a.find(name);
  return it == a.end() ? std::string() : it->second;
}

bool starts_with(std::string_view line, std::string_view prefix) { return line.substr(0, prefix.size()) == prefix; }

struct Part {
  std::string text;  // the printed DURATION
  double duration = 0;
  std::string uri;
  bool independent = false;  // INDEPENDENT=YES
};

struct Segment {
  std::string extinf_text;
  double duration = 0;
  std::vector<Part> parts;
  std::string uri;
};

struct Parsed {
  std::vector<std::string> errors;  // malformed lines
  bool extm3u = false;
  int version = 1;
  std::optional<double> target;
  bool server_control = false;
  Attributes control;
  std::optional<double> part_target;
  std::string part_target_text;
  std::int64_t media_sequence = 0;
  std::int64_t discontinuity_sequence = 0;
  int skip_tags = 0;
  bool skip_after_segment = false;
  std::int64_t skipped = 0;
  std::vector<Segment> segments;
  std::vector<Part> open_parts;
  std::vector<std::string> hints;  // TYPE=PART URIs
  std::vector<Attributes> reports;
  bool ended = false;
  bool parts_after_end = false;
};

Parsed parse(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  std::vector<Part> pending;
  std::optional<Segment> open_segment;  // after EXTINF, before its URI
  bool first = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (first) p.extm3u = line == "#EXTM3U";
    first = false;
    const auto value = [&](std::string_view tag) { return std::string_view(line).substr(tag.size()); };
    if (starts_with(line, "#EXT-X-VERSION:")) {
      p.version = std::atoi(line.c_str() + 15);
    } else if (starts_with(line, "#EXT-X-TARGETDURATION:")) {
      p.target = number(std::string(value("#EXT-X-TARGETDURATION:")));
    } else if (starts_with(line, "#EXT-X-MEDIA-SEQUENCE:")) {
      p.media_sequence = std::atoll(line.c_str() + 22);
    } else if (starts_with(line, "#EXT-X-DISCONTINUITY-SEQUENCE:")) {
      p.discontinuity_sequence = std::atoll(line.c_str() + 30);
    } else if (starts_with(line, "#EXT-X-SERVER-CONTROL:")) {
      p.server_control = true;
      p.control = attributes(value("#EXT-X-SERVER-CONTROL:"));
    } else if (starts_with(line, "#EXT-X-PART-INF:")) {
      p.part_target_text = attribute(attributes(value("#EXT-X-PART-INF:")), "PART-TARGET");
      p.part_target = number(p.part_target_text);
      if (!p.part_target) p.errors.push_back("EXT-X-PART-INF without a numeric PART-TARGET: " + line);
    } else if (starts_with(line, "#EXT-X-PART:")) {
      const Attributes a = attributes(value("#EXT-X-PART:"));
      Part part{attribute(a, "DURATION"), attribute_number(a, "DURATION").value_or(-1), attribute(a, "URI"),
                attribute(a, "INDEPENDENT") == "YES"};
      if (part.duration < 0) p.errors.push_back("EXT-X-PART without a numeric DURATION: " + line);
      if (part.uri.empty()) p.errors.push_back("EXT-X-PART without a URI: " + line);
      if (p.ended) p.parts_after_end = true;
      pending.push_back(part);
    } else if (starts_with(line, "#EXTINF:")) {
      const std::string duration(value("#EXTINF:").substr(0, value("#EXTINF:").find(',')));
      Segment s{duration, number(duration).value_or(-1), std::move(pending), ""};
      pending.clear();
      if (s.duration < 0) p.errors.push_back("EXTINF without a numeric duration: " + line);
      open_segment = std::move(s);
    } else if (starts_with(line, "#EXT-X-SKIP:")) {
      ++p.skip_tags;
      if (!p.segments.empty() || open_segment || !pending.empty()) p.skip_after_segment = true;
      const auto skipped = attribute_number(attributes(value("#EXT-X-SKIP:")), "SKIPPED-SEGMENTS");
      if (!skipped || *skipped < 1 || *skipped != std::floor(*skipped))
        p.errors.push_back("EXT-X-SKIP without a positive integer SKIPPED-SEGMENTS: " + line);
      else
        p.skipped = static_cast<std::int64_t>(*skipped);
    } else if (starts_with(line, "#EXT-X-PRELOAD-HINT:")) {
      const Attributes a = attributes(value("#EXT-X-PRELOAD-HINT:"));
      if (attribute(a, "URI").empty()) p.errors.push_back("EXT-X-PRELOAD-HINT without a URI: " + line);
      if (attribute(a, "TYPE") == "PART") p.hints.push_back(attribute(a, "URI"));
    } else if (starts_with(line, "#EXT-X-RENDITION-REPORT:")) {
      p.reports.push_back(attributes(value("#EXT-X-RENDITION-REPORT:")));
    } else if (line == "#EXT-X-ENDLIST") {
      p.ended = true;
    } else if (line[0] != '#') {
      if (!open_segment) {
        p.errors.push_back("URI line without an EXTINF before it: " + line);
        continue;
      }
      open_segment->uri = line;
      p.segments.push_back(std::move(*open_segment));
      open_segment.reset();
    }
  }
  if (open_segment) p.errors.push_back("EXTINF without a URI line after it");
  p.open_parts = std::move(pending);
  if (p.ended && !p.open_parts.empty()) p.parts_after_end = true;
  return p;
}

std::string three(double value) {
  std::ostringstream out;
  out.precision(3);
  out << std::fixed << value;
  return out.str();
}

// The digit runs of a URI, and the URI with each run replaced by '#'.
struct Numbered {
  std::string skeleton;
  std::vector<std::string> numbers;
};

Numbered numbered(const std::string& uri) {
  Numbered out;
  for (std::size_t i = 0; i < uri.size();) {
    if (uri[i] >= '0' && uri[i] <= '9') {
      std::size_t j = i;
      while (j < uri.size() && uri[j] >= '0' && uri[j] <= '9') ++j;
      out.numbers.push_back(uri.substr(i, j - i));
      out.skeleton += '#';
      i = j;
    } else {
      out.skeleton += uri[i++];
    }
  }
  return out;
}

std::optional<long long> as_integer(const std::string& digits) {
  if (digits.size() > 18) return std::nullopt;
  return std::stoll(digits);
}

// Whether `hint` names the part after `last_part`: the same segment's next index
// (`open_segment`: the last part belongs to the segment still being written), or index 0 of
// the next segment (the last part ended a complete segment). In the URIs, that is one number
// one higher, and in the second case the numbers after it (the part index) back to zero.
bool names_next_part(const std::string& last_part, const std::string& hint, bool open_segment) {
  const Numbered a = numbered(last_part), b = numbered(hint);
  if (a.skeleton != b.skeleton || a.numbers.size() != b.numbers.size()) return false;
  std::vector<std::size_t> differing;
  for (std::size_t i = 0; i < a.numbers.size(); ++i)
    if (as_integer(a.numbers[i]) != as_integer(b.numbers[i]) || !as_integer(a.numbers[i])) differing.push_back(i);
  if (differing.empty()) return false;
  const auto before = as_integer(a.numbers[differing[0]]), after = as_integer(b.numbers[differing[0]]);
  if (!before || !after || *after != *before + 1) return false;
  if (open_segment) return differing.size() == 1;
  for (std::size_t k = 1; k < differing.size(); ++k)
    if (as_integer(b.numbers[differing[k]]) != 0) return false;
  return differing.size() <= 2;
}

}  // namespace

std::vector<std::string> ll_hls_violations(const std::string& playlist_text) {
  const Parsed p = parse(playlist_text);
  std::vector<std::string> v = p.errors;
  if (!p.extm3u) v.push_back("the playlist does not start with #EXTM3U");
  if (!p.target) v.push_back("no EXT-X-TARGETDURATION");
  const double target = p.target.value_or(0);

  if (!p.server_control)
    v.push_back("no EXT-X-SERVER-CONTROL");
  else if (attribute(p.control, "CAN-BLOCK-RELOAD") != "YES")
    v.push_back("EXT-X-SERVER-CONTROL without CAN-BLOCK-RELOAD=YES");

  std::size_t part_count = p.open_parts.size();
  for (const Segment& s : p.segments) part_count += s.parts.size();
  if (part_count > 0 && !p.part_target) v.push_back("EXT-X-PART lines without EXT-X-PART-INF:PART-TARGET");

  const auto hold_back = attribute_number(p.control, "PART-HOLD-BACK");
  if (p.part_target) {
    if (!hold_back)
      v.push_back("EXT-X-PART-INF without EXT-X-SERVER-CONTROL PART-HOLD-BACK");
    else if (*hold_back + 1e-9 < 2 * *p.part_target)
      v.push_back("PART-HOLD-BACK=" + attribute(p.control, "PART-HOLD-BACK") + " is less than twice PART-TARGET=" +
                  p.part_target_text);
  }
  const auto skip_until = attribute_number(p.control, "CAN-SKIP-UNTIL");
  if (skip_until && *skip_until + 1e-9 < 6 * target)
    v.push_back("CAN-SKIP-UNTIL=" + attribute(p.control, "CAN-SKIP-UNTIL") + " is less than six target durations (" +
                three(6 * target) + ")");

  // Parts: durations, and their sums against their segment.
  const auto check_parts = [&](const std::vector<Part>& parts, const std::string& where) {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      const Part& part = parts[i];
      if (!p.part_target) continue;
      if (part.duration > *p.part_target + 1e-9)
        v.push_back("EXT-X-PART DURATION=" + part.text + " (" + part.uri + ") exceeds PART-TARGET=" + p.part_target_text);
      // The last part of a segment may be short; so may the open segment's newest one, which
      // may turn out to be its last, and an independent part (§4.4.4.9).
      if (i + 1 != parts.size() && !part.independent && part.duration + 1e-9 < 0.85 * *p.part_target)
        v.push_back("EXT-X-PART DURATION=" + part.text + " (" + part.uri + ") is under 85% of PART-TARGET=" +
                    p.part_target_text + " and is not the last part of " + where);
    }
  };
  for (const Segment& s : p.segments) {
    check_parts(s.parts, "segment " + s.uri);
    if (s.parts.empty()) continue;
    double sum = 0;
    for (const Part& part : s.parts) sum += part.duration;
    if (std::abs(sum - s.duration) > 0.001 + 1e-9)
      v.push_back("the parts of " + s.uri + " add up to " + three(sum) + " s, its EXTINF says " + s.extinf_text);
  }
  check_parts(p.open_parts, "the open segment");

  // Parts belong to the newest segments: once a segment lists parts, every later one does,
  // and they cover at least the last three target durations.
  std::size_t first_with_parts = p.segments.size();
  for (std::size_t i = 0; i < p.segments.size(); ++i)
    if (!p.segments[i].parts.empty()) {
      first_with_parts = i;
      break;
    }
  for (std::size_t i = first_with_parts; i < p.segments.size(); ++i)
    if (p.segments[i].parts.empty())
      v.push_back("segment " + p.segments[i].uri + " lists no parts though an older segment does");
  if (part_count > 0 && !p.ended && first_with_parts > 0) {
    double covered = 0;
    for (std::size_t i = first_with_parts; i < p.segments.size(); ++i) covered += p.segments[i].duration;
    for (const Part& part : p.open_parts) covered += part.duration;
    if (covered + 0.001 < 3 * target)
      v.push_back("parts cover only the last " + three(covered) + " s, less than three target durations (" +
                  three(3 * target) + ")");
  }

  // The preload hint.
  if (p.hints.size() > 1) v.push_back("more than one EXT-X-PRELOAD-HINT:TYPE=PART");
  if (p.ended && !p.hints.empty()) v.push_back("EXT-X-PRELOAD-HINT in an ended playlist");
  if (p.parts_after_end) v.push_back("parts of an open segment in an ended playlist");
  if (p.hints.size() == 1 && part_count > 0) {
    const bool open = !p.open_parts.empty();
    std::string last_part;
    if (open) {
      last_part = p.open_parts.back().uri;
    } else {
      for (const Segment& s : p.segments)
        if (!s.parts.empty()) last_part = s.parts.back().uri;
    }
    if (!names_next_part(last_part, p.hints[0], open))
      v.push_back("EXT-X-PRELOAD-HINT URI " + p.hints[0] + " is not the part after the last listed one, " + last_part +
                  (open ? " (the open segment's next index)" : " (index 0 of the next segment)"));
  }

  // Delta updates.
  if (p.skip_tags > 1) v.push_back("more than one EXT-X-SKIP");
  if (p.skip_tags > 0) {
    if (p.version < 9) v.push_back("EXT-X-SKIP needs EXT-X-VERSION 9 or more, the playlist says " + std::to_string(p.version));
    if (p.skip_after_segment) v.push_back("EXT-X-SKIP after a segment: it must replace the oldest ones");
    if (!skip_until) {
      v.push_back("EXT-X-SKIP without EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL");
    } else {
      double listed = 0;
      for (const Segment& s : p.segments) listed += s.duration;
      if (listed + 0.001 < *skip_until)
        v.push_back("EXT-X-SKIP skipped segments newer than the skip boundary: " + three(listed) +
                    " s listed, CAN-SKIP-UNTIL=" + attribute(p.control, "CAN-SKIP-UNTIL"));
    }
  }

  for (const Attributes& report : p.reports) {
    if (attribute(report, "URI").empty()) v.push_back("EXT-X-RENDITION-REPORT without a URI");
    if (report.count("LAST-PART") && !report.count("LAST-MSN"))
      v.push_back("EXT-X-RENDITION-REPORT with LAST-PART but no LAST-MSN: " + attribute(report, "URI"));
  }
  return v;
}

LlHlsSummary ll_hls_summary(const std::string& playlist_text) {
  const Parsed p = parse(playlist_text);
  LlHlsSummary out;
  out.media_sequence = p.media_sequence;
  out.discontinuity_sequence = p.discontinuity_sequence;
  out.skipped = p.skipped;
  for (const Segment& s : p.segments) {
    out.segment_uris.push_back(s.uri);
    out.parts += s.parts.size();
  }
  out.parts += p.open_parts.size();
  out.open_parts = p.open_parts.size();
  const auto segments = static_cast<std::int64_t>(p.segments.size());
  if (!p.open_parts.empty()) {
    out.last_msn = p.media_sequence + p.skipped + segments;
    out.last_part = static_cast<int>(p.open_parts.size()) - 1;
  } else if (segments > 0) {
    out.last_msn = p.media_sequence + p.skipped + segments - 1;
    out.last_part = static_cast<int>(p.segments.back().parts.size()) - 1;
  }
  out.preload_hint = p.hints.empty() ? "" : p.hints.front();
  out.ended = p.ended;
  return out;
}

std::vector<std::string> ll_hls_delta_violations(const std::string& full_text, const std::string& delta_text) {
  std::vector<std::string> v = ll_hls_violations(delta_text);
  const LlHlsSummary full = ll_hls_summary(full_text), delta = ll_hls_summary(delta_text);
  if (full.skipped != 0) v.push_back("the full playlist has an EXT-X-SKIP");
  if (delta.media_sequence != full.media_sequence)
    v.push_back("delta EXT-X-MEDIA-SEQUENCE " + std::to_string(delta.media_sequence) + " differs from the full " +
                std::to_string(full.media_sequence));
  if (delta.discontinuity_sequence != full.discontinuity_sequence)
    v.push_back("delta EXT-X-DISCONTINUITY-SEQUENCE " + std::to_string(delta.discontinuity_sequence) +
                " differs from the full " + std::to_string(full.discontinuity_sequence));
  const auto listed = static_cast<std::int64_t>(delta.segment_uris.size());
  const auto total = static_cast<std::int64_t>(full.segment_uris.size());
  if (delta.skipped + listed != total) {
    v.push_back("delta skips " + std::to_string(delta.skipped) + " and lists " + std::to_string(listed) +
                " segments, the full playlist has " + std::to_string(total));
  } else {
    for (std::int64_t i = 0; i < listed; ++i)
      if (delta.segment_uris[static_cast<std::size_t>(i)] != full.segment_uris[static_cast<std::size_t>(delta.skipped + i)]) {
        v.push_back("delta segment " + std::to_string(i) + " is " + delta.segment_uris[static_cast<std::size_t>(i)] +
                    ", the full playlist has " + full.segment_uris[static_cast<std::size_t>(delta.skipped + i)]);
        break;
      }
  }
  if (delta.last_msn != full.last_msn || delta.last_part != full.last_part)
    v.push_back("delta ends at msn " + std::to_string(delta.last_msn) + " part " + std::to_string(delta.last_part) +
                ", the full playlist at msn " + std::to_string(full.last_msn) + " part " + std::to_string(full.last_part));
  if (delta.preload_hint != full.preload_hint)
    v.push_back("delta preload hint " + delta.preload_hint + " differs from the full " + full.preload_hint);
  return v;
}

}  // namespace bvtest
