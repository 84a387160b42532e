// Leveled log lines on stderr: "2026-11-24T10:00:00.123Z info  control: message".
// systemd's journal captures stderr, so there is no file handling here.
#pragma once

#include <string_view>

#include "config/settings.hpp"

namespace bvlive::log {

void set_level(LogLevel level);
LogLevel level();
void write(LogLevel level, std::string_view component, std::string_view message);

inline void debug(std::string_view c, std::string_view m) { write(LogLevel::Debug, c, m); }
inline void info(std::string_view c, std::string_view m) { write(LogLevel::Info, c, m); }
inline void warn(std::string_view c, std::string_view m) { write(LogLevel::Warn, c, m); }
inline void error(std::string_view c, std::string_view m) { write(LogLevel::Error, c, m); }

}  // namespace bvlive::log
