#include "core/library/library_catalog.hpp"

#include <algorithm>
#include <filesystem>

#include "core/library/library_refs.hpp"
#include "rpc/error.hpp"

namespace bvlive::library {

LibraryCatalog::LibraryCatalog(Store& store, std::string media_root) : store_(store), media_root_(std::move(media_root)) {
  for (auto& item : store_.load_library()) {
    auto id = item.id;
    items_.emplace(std::move(id), std::move(item));
  }
}

const LibraryItem* LibraryCatalog::find(std::string_view id) const {
  auto it = items_.find(id);
  return it == items_.end() ? nullptr : &it->second;
}

const LibraryItem& LibraryCatalog::require(std::string_view id) const {
  if (const auto* item = find(id)) return *item;
  throw RpcError(ErrorKind::NotFound, "no library item '" + std::string(id) + "' (bvlive library list shows them)",
                 {{"id", std::string(id)}});
}

void LibraryCatalog::add(LibraryItem item) {
  store_.insert_library_item(item);
  auto id = item.id;
  items_.emplace(std::move(id), std::move(item));
}

std::vector<ItemUse> LibraryCatalog::uses(std::string_view id,
                                          const std::map<std::string, LiveRecord, std::less<>>& lives) const {
  std::vector<ItemUse> out;
  for (const auto& [live_id, live] : lives)
    for (const auto& ref : library_refs(live.spec))
      if (ref.id == id) out.push_back({live.label(), ref.path.substr(5)});  // without "live."
  return out;
}

void LibraryCatalog::remove(std::string_view id, const std::map<std::string, LiveRecord, std::less<>>& lives) {
  const LibraryItem& item = require(id);
  if (const auto used = uses(id, lives); !used.empty()) {
    std::string who;
    nlohmann::json data = nlohmann::json::array();
    for (const auto& u : used) {
      who += (who.empty() ? "" : ", ") + u.live + " (" + u.path + ")";
      data.push_back({{"live", u.live}, {"path", u.path}});
    }
    throw RpcError(ErrorKind::Conflict,
                   "library item " + item.id + " is used by live " + who +
                       "; change those lives (bvlive update) or delete them first",
                   {{"used_by", data}});
  }
  const std::string path = path_of(item);
  store_.delete_library_item(item.id);
  std::error_code ec;
  std::filesystem::remove(path, ec);  // the row is gone: a leftover file is harmless
  items_.erase(items_.find(id));
}

void LibraryCatalog::check_refs(const LiveSpec& spec) const {
  for (const auto& ref : library_refs(spec)) {
    const LibraryItem* item = find(ref.id);
    if (!item) throw_invalid(ref.path, "no library item '" + ref.id + "' (bvlive library list shows them)");
    if (ref.kind && item->probe.kind != *ref.kind)
      throw_invalid(ref.path, ref.id + " ('" + item->name + "') is " + std::string(kind_name(item->probe.kind)) +
                                  "; this field needs " + (*ref.kind == MediaProbe::Kind::Image ? "an image" : "a video") +
                                  " from the library");
  }
}

nlohmann::json LibraryCatalog::json_of(const LibraryItem& item,
                                       const std::map<std::string, LiveRecord, std::less<>>& lives) const {
  nlohmann::json out = item_json(item, path_of(item));
  nlohmann::json used = nlohmann::json::array();
  for (const auto& u : uses(item.id, lives)) used.push_back({{"live", u.live}, {"path", u.path}});
  out["used_by"] = used;
  return out;
}

nlohmann::json LibraryCatalog::list_json(const std::map<std::string, LiveRecord, std::less<>>& lives) const {
  std::vector<const LibraryItem*> rows;
  for (const auto& [id, item] : items_) rows.push_back(&item);
  std::ranges::sort(rows, [](const LibraryItem* a, const LibraryItem* b) {
    return std::tie(a->created_at, a->id) < std::tie(b->created_at, b->id);
  });
  nlohmann::json out = nlohmann::json::array();
  for (const auto* item : rows) out.push_back(json_of(*item, lives));
  return {{"items", out}};
}

nlohmann::json LibraryCatalog::get_json(std::string_view id,
                                        const std::map<std::string, LiveRecord, std::less<>>& lives) const {
  return {{"item", json_of(require(id), lives)}};
}

}  // namespace bvlive::library
