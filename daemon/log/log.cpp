#include "log/log.hpp"

#include <cstdio>
#include <string>

#include "util/time.hpp"

namespace bvlive::log {
namespace {
LogLevel g_level = LogLevel::Info;
}

void set_level(LogLevel level) { g_level = level; }
LogLevel level() { return g_level; }

void write(LogLevel lvl, std::string_view component, std::string_view message) {
  if (static_cast<int>(lvl) < static_cast<int>(g_level)) return;
  std::string line = format_rfc3339(now_ms());
  line += ' ';
  std::string name(to_string(lvl));
  name.resize(5, ' ');
  line += name;
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  // One fwrite per line so lines from one process never interleave.
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace bvlive::log
