// Loads bvlived.toml with toml++ into Settings.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace bvlive {

// Thrown for a file that cannot be read, is not TOML, or has a bad value. what() is
// one line that starts with "FILE:LINE:COLUMN: " and says what to fix.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `text` as if read from `file_name`.
Settings parse_config(std::string_view text, const std::string& file_name);
// Reads and parses the file. A missing file is a ConfigError.
Settings load_config_file(const std::string& path);
// Every key the loader reads, as "table.key" in file order of the tables ("rtmp.port",
// "live.auto_start" for [[live]]'s schedule keys): `bvlived --config-keys`, which the docs
// check compares with the man page.
std::vector<std::string> config_keys();

}  // namespace bvlive
