#include "core/media/ffmpeg/stderr_reader.hpp"

#include <array>
#include <charconv>
#include <cmath>

namespace bvlive::ffmpeg {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A log line split into its parts: "[flv @ 0x55d0] [error] Unable to seek" ->
// context "flv", level "error", message "Unable to seek".
struct LogLine {
  std::string_view context;
  std::string_view level;  // empty: no level prefix (not a log line of ours, or a progress line)
  std::string_view message;
};

LogLine split_log_line(std::string_view line) {
  LogLine out;
  if (starts_with(line, "[")) {
    const auto close = line.find("] ");
    const auto at = line.find(" @ ");
    if (close != std::string_view::npos && at != std::string_view::npos && at < close) {
      out.context = line.substr(1, at - 1);
      line.remove_prefix(close + 2);
    }
  }
  static constexpr std::array<std::string_view, 8> kLevels{
      "panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace"};
  if (starts_with(line, "[")) {
    for (auto level : kLevels) {
      if (line.size() > level.size() + 2 && line.substr(1, level.size()) == level &&
          line.substr(level.size() + 1, 2) == "] ") {
        out.level = level;
        line.remove_prefix(level.size() + 3);
        break;
      }
    }
  }
  out.message = line;
  return out;
}

// ffmpeg's -progress keys are lower-case words, digits and '_' ("stream_0_0_q").
bool is_progress_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

// Messages ffmpeg prints when it gives up, recognised also without a level prefix
// (an ffmpeg wrapper or a different -loglevel).
bool is_well_known_fatal(std::string_view message) {
  static constexpr std::array<std::string_view, 5> kFatal{
      "Invalid data found when processing input", "could not find codec parameters",
      "Conversion failed!", "Error while decoding stream", "No such file or directory"};
  for (auto fatal : kFatal)
    if (message.find(fatal) != std::string_view::npos) return true;
  return false;
}

std::optional<std::int64_t> parse_int(std::string_view value) {
  std::int64_t n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
  return n;
}

}  // namespace

std::optional<double> parse_progress_number(std::string_view value, std::string_view unit) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  value = trim_right(value);
  if (!unit.empty() && value.size() >= unit.size() && value.substr(value.size() - unit.size()) == unit)
    value.remove_suffix(unit.size());
  double n = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(n)) return std::nullopt;
  return n;
}

StderrReader::Events StderrReader::feed(std::string_view bytes) {
  Events events;
  for (char c : bytes) {
    if (c == '\n' || c == '\r') {
      if (!line_.empty()) take_line(line_, events);
      line_.clear();
    } else if (line_.size() < max_line_bytes_) {
      line_.push_back(c);
    }  // else: the rest of an overlong line is dropped
  }
  return events;
}

StderrReader::Events StderrReader::finish() {
  Events events;
  if (!line_.empty()) take_line(line_, events);
  line_.clear();
  if (section_ == Section::input) end_input_section(events);
  return events;
}

std::optional<std::string> StderrReader::last_error() const {
  if (errors_.empty()) return std::nullopt;
  return errors_.back();
}

void StderrReader::take_line(std::string_view line, Events& events) {
  ++lines_;
  const LogLine log = split_log_line(trim_right(line));

  if (log.level.empty() && log.context.empty()) {
    const auto eq = log.message.find('=');
    if (eq != std::string_view::npos && is_progress_key(log.message.substr(0, eq))) {
      take_progress_field(log.message.substr(0, eq), log.message.substr(eq + 1), events);
      return;
    }
  }

  if (section_ == Section::before_input && log.context.empty() && starts_with(log.message, "Input #0")) {
    section_ = Section::input;
  } else if (section_ == Section::input && log.context.empty()) {
    // The section's lines are indented; the first line that is not ends it.
    if (starts_with(log.message, " ")) read_media_info_line(log.message, media_info_);
    else end_input_section(events);
  }

  const bool error_level = log.level == "error" || log.level == "fatal" || log.level == "panic";
  if (error_level || (log.level.empty() && is_well_known_fatal(log.message))) {
    std::string message;
    if (!log.context.empty()) {
      message.append(log.context);
      message.append(": ");
    }
    message.append(log.message);
    add_error(std::move(message), events);
  }
}

void StderrReader::take_progress_field(std::string_view key, std::string_view value, Events& events) {
  if (key == "progress") {
    block_.ended = trim_right(value) == "end";
    last_progress_ = block_;
    events.progress.push_back(block_);
    block_ = Progress{};
  } else if (key == "speed") {
    block_.speed = parse_progress_number(value, "x");
  } else if (key == "fps") {
    block_.fps = parse_progress_number(value);
  } else if (key == "bitrate") {
    block_.bitrate_kbps = parse_progress_number(value, "kbits/s");
  } else if (key == "out_time_us") {
    block_.out_time_us = parse_int(trim_right(value));
  } else if (key == "total_size") {
    block_.total_size = parse_int(trim_right(value));
  } else if (key == "frame") {
    block_.frame = parse_int(trim_right(value));
  }
}

void StderrReader::add_error(std::string message, Events& events) {
  if (errors_.size() >= max_errors_ && !errors_.empty()) errors_.erase(errors_.begin());
  if (max_errors_ > 0) errors_.push_back(std::move(message));
  ++events.new_errors;
}

void StderrReader::end_input_section(Events& events) {
  section_ = Section::after_input;
  events.media_info_ready = true;
}

}  // namespace bvlive::ffmpeg
