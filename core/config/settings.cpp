#include "config/settings.hpp"

#include <cctype>

namespace bvlive {

bool is_loopback_address(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

std::string SourcePos::str() const {
  if (line <= 0) return file;
  std::string out = file;
  out += ':';
  out += std::to_string(line);
  if (column > 0) {
    out += ':';
    out += std::to_string(column);
  }
  return out;
}

SourcePos LiveDecl::locate(std::string_view path) const {
  constexpr std::string_view kPrefix = "live.";
  if (path.substr(0, kPrefix.size()) == kPrefix) path.remove_prefix(kPrefix.size());
  const SourcePos* best = nullptr;
  std::size_t best_len = 0;
  for (const auto& [key, where] : key_pos) {
    if (key.size() > path.size() || path.substr(0, key.size()) != key) continue;
    // Either the whole path, or a prefix that ends at a component boundary.
    if (key.size() < path.size() && path[key.size()] != '.' && path[key.size()] != '[') continue;
    if (!best || key.size() > best_len) {
      best = &where;
      best_len = key.size();
    }
  }
  return best ? *best : pos;
}

std::string_view to_string(LogLevel l) {
  switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
  }
  return "info";
}

std::optional<LogLevel> parse_log_level(std::string_view s) {
  std::string lower;
  lower.reserve(s.size());
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "debug") return LogLevel::Debug;
  if (lower == "info") return LogLevel::Info;
  if (lower == "warn" || lower == "warning") return LogLevel::Warn;
  if (lower == "error") return LogLevel::Error;
  return std::nullopt;
}

}  // namespace bvlive
