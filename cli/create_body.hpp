// Command-line flags -> a live body (the create body of seeds/004, or a merge patch for
// update). A body file is read first; flags then override its fields.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace bvlive::cli {

struct TextFlag {
  std::string value;
  CLI::Option* option = nullptr;
  bool given() const { return option != nullptr && option->count() > 0; }
};

// --x / --no-x: given when either was; value is true for --x.
struct BoolFlag {
  bool on = false, off = false;
  CLI::Option* on_option = nullptr;
  CLI::Option* off_option = nullptr;
  bool given() const { return on_option->count() > 0 || off_option->count() > 0; }
  bool value() const { return on_option->count() > 0; }
};

struct LiveFlags {
  TextFlag name, custom_id, type, library_id, broadcast_mode, scheduled_at, resolution;
  TextFlag live_vod, vod_start, vod_end, privacy, device_limit, protection, geo, description;
  TextFlag auto_preview, auto_end, close_after;
  TextFlag chat_live, chat_vod;  // light, dark or off
  BoolFlag ull, abr, auto_start, polls;
  std::vector<std::string> ingest;
  CLI::Option* ingest_option = nullptr;
};

// Adds the field flags (--name ... --close-after) to `sub`.
void add_live_flags(CLI::App& sub, LiveFlags& flags);

// Reads a JSON body from FILE, or stdin for "-"; unwraps {"live": {...}}. Throws
// CliError (usage) when it cannot be read or is not a JSON object.
nlohmann::json read_body_file(const std::string& path);

// How a flag given "none" (clear this field) is written.
enum class ClearAs {
  Remove,  // create: drop the field from the body
  Null,    // update: null, which an RFC 7396 merge patch reads as "remove"
};

// Writes the given flags into `body` (an object), creating nested objects as needed.
void apply_live_flags(const LiveFlags& flags, nlohmann::json& body, ClearAs clear);

}  // namespace bvlive::cli
