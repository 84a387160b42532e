// The media library in memory, over the SQLite `library` table: `bvlive library list,
// show, rm` and the reference checks of create and update. Importing (ffprobe, the hard
// link or copy) is the daemon's job; it hands the finished item to add().
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/library/library_item.hpp"
#include "live/live_record.hpp"
#include "store/store.hpp"

namespace bvlive::library {

struct ItemUse {
  std::string live;  // the live's label (custom_id or id)
  std::string path;  // "source.library.id"
};

class LibraryCatalog {
 public:
  // `media_root`: STATE_DIR/media; item files are relative to it.
  LibraryCatalog(Store& store, std::string media_root);

  const LibraryItem* find(std::string_view id) const;
  const std::map<std::string, LibraryItem, std::less<>>& items() const { return items_; }
  std::string path_of(const LibraryItem& item) const { return media_root_ + "/" + item.file; }
  const std::string& media_root() const { return media_root_; }

  // Persists, then lists. The file must already be in place.
  void add(LibraryItem item);
  // Refused (RpcError conflict) while a live in `lives` refers to it; else the row goes,
  // then the stored file. Throws not_found for an unknown id.
  void remove(std::string_view id, const std::map<std::string, LiveRecord, std::less<>>& lives);

  // Throws RpcError(InvalidParams) naming the field when `spec` names an unknown item or
  // one of the wrong kind.
  void check_refs(const LiveSpec& spec) const;
  std::vector<ItemUse> uses(std::string_view id, const std::map<std::string, LiveRecord, std::less<>>& lives) const;

  // library.list / library.get results.
  nlohmann::json list_json(const std::map<std::string, LiveRecord, std::less<>>& lives) const;
  nlohmann::json get_json(std::string_view id, const std::map<std::string, LiveRecord, std::less<>>& lives) const;

 private:
  const LibraryItem& require(std::string_view id) const;
  nlohmann::json json_of(const LibraryItem& item, const std::map<std::string, LiveRecord, std::less<>>& lives) const;

  Store& store_;
  std::string media_root_;
  std::map<std::string, LibraryItem, std::less<>> items_;
};

}  // namespace bvlive::library
