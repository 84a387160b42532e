// One file of the media library: what `bvlive library add` stored and what ffprobe said
// about it. Lives, watermarks and covers refer to items by id.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/library/probe_result.hpp"
#include "util/time.hpp"

namespace bvlive::library {

struct LibraryItem {
  std::string id;        // "lib_" + 12 characters
  std::string name;      // --name, else the file's name
  std::string file;      // relative to the media folder: "library/lib_x.mp4"
  std::string original;  // the path it was imported from
  std::string stored;    // "hardlink" or "copy"
  std::string probe_json;  // ffprobe's output, kept verbatim: `probe` is read from it
  MediaProbe probe;
  TimeMs created_at = 0;
};

std::string new_library_id();

// The item as `library.get` returns it; `file_path` is the absolute path of the stored file.
nlohmann::json item_json(const LibraryItem& item, const std::string& file_path);

}  // namespace bvlive::library
