#include "core/library/library_item.hpp"

#include "util/random_id.hpp"

namespace bvlive::library {

std::string new_library_id() { return "lib_" + random_string(12, "abcdefghijklmnopqrstuvwxyz0123456789"); }

nlohmann::json item_json(const LibraryItem& item, const std::string& file_path) {
  nlohmann::json out = item.probe.to_json();
  out["id"] = item.id;
  out["name"] = item.name;
  out["file"] = file_path;
  out["original"] = item.original;
  out["stored"] = item.stored;
  out["created_at"] = format_rfc3339(item.created_at);
  return out;
}

}  // namespace bvlive::library
