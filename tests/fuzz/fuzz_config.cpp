// bvlived.toml as the daemon reads it at start, on `bvlived --check-config` and on reload:
// the text through parse_config (toml++, then every table's reader), and each [[live]]
// table through live_decl_specs (the create-body validation). Any text gives Settings or a
// ConfigError, never another exception or a crash; the error is one line that names the
// file first (config_loader.hpp's promise), so the daemon's log and `bvlive reload` can
// show it as it is.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

#include "config/config_loader.hpp"
#include "config/live_decl_spec.hpp"

namespace {

constexpr const char* kFile = "fuzz.toml";

[[noreturn]] void fail(const char* what, const char* message) {
  std::fprintf(stderr, "fuzz_config.cpp: property failed: %s: %s\n", what, message);
  std::abort();
}

void check_message(const bvlive::ConfigError& e, bool one_line) {
  const std::string_view m = e.what();
  if (!m.starts_with(std::string(kFile) + ":")) fail("ConfigError does not start with the file name", e.what());
  if (one_line && m.find_first_of("\r\n") != std::string_view::npos) fail("ConfigError is not one line", e.what());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  bvlive::Settings settings;
  try {
    settings = bvlive::parse_config(text, kFile);
  } catch (const bvlive::ConfigError& e) {
    check_message(e, true);
    return 0;
  } catch (const std::exception& e) {
    fail("parse_config threw something other than ConfigError", e.what());
  }
  if (settings.config_file != kFile) fail("config_file", settings.config_file.c_str());
  try {
    const auto specs = bvlive::live_decl_specs(settings.lives);
    if (specs.size() != settings.lives.size()) fail("live_decl_specs", "one spec per [[live]] table");
  } catch (const bvlive::ConfigError& e) {
    check_message(e, false);
  } catch (const std::exception& e) {
    fail("live_decl_specs threw something other than ConfigError", e.what());
  }
  return 0;
}
