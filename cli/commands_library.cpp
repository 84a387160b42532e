// bvlive library add|list|show|rm: the media library; bvlive vod: a live's VOD asset.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

namespace bvlive::cli {
namespace {

using nlohmann::json;

std::string seconds_text(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", obj[key].get<double>());
  return buf;
}

std::string bytes_text(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number()) return "-";
  double v = obj[key].get<double>();
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string codecs_text(const json& item) {
  std::string out;
  for (const char* key : {"video_codec", "audio_codec"})
    if (item.contains(key) && item[key].is_string() && !item[key].get<std::string>().empty())
      out += (out.empty() ? "" : "+") + item[key].get<std::string>();
  return out.empty() ? "-" : out;
}

std::string size_text(const json& item) {
  const int w = item.value("width", 0), h = item.value("height", 0);
  return w > 0 && h > 0 ? std::to_string(w) + "x" + std::to_string(h) : "-";
}

void print_item(const json& item) {
  KeyValues kv;
  kv.add("id", field_text(item, "id"));
  kv.add("name", field_text(item, "name"));
  kv.add("kind", field_text(item, "kind"));
  if (field_text(item, "kind") != "image") kv.add("duration", seconds_text(item, "duration_seconds"));
  kv.add("codecs", codecs_text(item));
  kv.add("picture", size_text(item));
  kv.add("size", bytes_text(item, "size_bytes"));
  kv.add("stored", field_text(item, "stored"));
  kv.add("file", field_text(item, "file"));
  kv.add("original", field_text(item, "original"));
  kv.add("created_at", time_field(item, "created_at"));
  std::string used;
  if (item.contains("used_by") && item["used_by"].is_array())
    for (const auto& u : item["used_by"]) used += (used.empty() ? "" : ", ") + field_text(u, "live") + " (" + field_text(u, "path") + ")";
  kv.add("used_by", used.empty() ? "-" : used);
  kv.print(std::cout);
}

// Prints {"item": ...} as asked: JSON, the id alone (-q), or key/value lines.
int print_item_result(const Context& ctx, const json& result) {
  const json item = result.is_object() ? result.value("item", json::object()) : json::object();
  if (ctx.options.json) print_json(result);
  else if (ctx.options.quiet) std::cout << field_text(item, "id") << '\n';
  else print_item(item);
  return kExitOk;
}

struct AddArgs {
  std::string file;
  std::string name;
};

int run_add(const Context& ctx, const AddArgs& a) {
  // The daemon reads the file itself: give it an absolute path (it may run elsewhere in the tree).
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(a.file, ec);
  json params = {{"path", ec ? a.file : absolute.lexically_normal().string()}};
  if (!a.name.empty()) params["name"] = a.name;
  return print_item_result(ctx, ctx.call("library.add", params));
}

int run_list(const Context& ctx) {
  json result = ctx.call("library.list", json::object());
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json items = result.is_object() ? result.value("items", json::array()) : json::array();
  if (ctx.options.quiet) {
    for (const auto& i : items) std::cout << field_text(i, "id") << '\n';
    return kExitOk;
  }
  if (items.empty()) {
    std::cout << "the library is empty (bvlive library add FILE)\n";
    return kExitOk;
  }
  Table table({"ID", "NAME", "KIND", "DURATION", "PICTURE", "CODECS", "SIZE", "USED BY"});
  for (const auto& i : items) {
    const std::size_t uses = i.contains("used_by") && i["used_by"].is_array() ? i["used_by"].size() : 0;
    table.add_row({field_text(i, "id"), field_text(i, "name"), field_text(i, "kind"),
                   field_text(i, "kind") == "image" ? "-" : seconds_text(i, "duration_seconds"), size_text(i),
                   codecs_text(i), bytes_text(i, "size_bytes"), uses ? std::to_string(uses) + " live(s)" : "-"});
  }
  table.print(std::cout);
  return kExitOk;
}

struct IdArgs {
  std::string id;
  bool retry = false;
};

int run_rm(const Context& ctx, const IdArgs& a) {
  json result = ctx.call("library.remove", {{"id", a.id}});
  if (ctx.options.json) print_json(result);
  else if (!ctx.options.quiet) std::cout << "removed " << a.id << '\n';
  return kExitOk;
}

int run_vod(const Context& ctx, const IdArgs& a) {
  json result = ctx.call(a.retry ? "vod.retry" : "vod.get", {{"id", a.id}});
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json vod = result.is_object() ? result.value("vod", json::object()) : json::object();
  if (ctx.options.quiet) {
    std::cout << field_text(vod, "state") << '\n';
    return kExitOk;
  }
  KeyValues kv;
  kv.add("vod", field_text(vod, "id"));
  kv.add("live", field_text(vod, "live_id") + " (" + field_text(vod, "live_state") + ")");
  std::string source = field_text(vod, "source", true);
  if (const std::string ref = field_text(vod, "source_ref"); ref != "-" && !ref.empty()) source += " " + ref;
  kv.add("source", source);
  kv.add("state", field_text(vod, "state"));
  if (vod.contains("error") && !vod["error"].is_null()) kv.add("error", field_text(vod, "error"));
  kv.add("attempts", field_text(vod, "attempts"));
  kv.add("duration", seconds_text(vod, "duration_seconds"));
  kv.add("segments", field_text(vod, "segments") + " (" + field_text(vod, "discontinuities") + " discontinuities)");
  kv.add("playlist", field_text(vod, "playlist_url"));
  const json mp4 = vod.value("mp4", json(nullptr));
  kv.add("mp4", mp4.is_object() ? field_text(mp4, "path") + " (" + bytes_text(mp4, "bytes") + ")" : "-");
  kv.add("mp4_url", mp4.is_object() ? field_text(mp4, "url") : "-");
  const json window = vod.value("window", json::object());
  kv.add("window", time_field(window, "started_at") + " .. " + time_field(window, "ended_at"));
  kv.add("started_at", time_field(vod, "started_at"));
  kv.add("finished_at", time_field(vod, "finished_at"));
  kv.print(std::cout);
  return kExitOk;
}

}  // namespace

void register_library(CLI::App& app, Context& ctx) {
  CLI::App* library = app.add_subcommand("library", "the media library: videos and images lives refer to");
  add_global_options(*library, ctx.options);
  library->require_subcommand(1);
  {
    auto args = std::make_shared<AddArgs>();
    CLI::App* sub = library->add_subcommand("add", "import a file: probe it with ffprobe and store it");
    add_global_options(*sub, ctx.options);
    sub->add_option("FILE", args->file, "video, image or audio file")->required();
    sub->add_option("--name", args->name, "display name (default: the file's name)");
    set_footer(*sub, "The file is hard-linked into STATE_DIR/media/library when it is on the same filesystem,\n"
                     "else copied. A file ffprobe cannot read, or that is not video, image or audio, is\n"
                     "refused and nothing is stored. With -q, prints only the new id.");
    on_run(*sub, ctx, [&ctx, args] { return run_add(ctx, *args); });
  }
  {
    CLI::App* sub = library->add_subcommand("list", "list the library");
    add_global_options(*sub, ctx.options);
    on_run(*sub, ctx, [&ctx] { return run_list(ctx); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = library->add_subcommand("show", "show one item: probe, stored file, lives using it");
    add_global_options(*sub, ctx.options);
    sub->add_option("LIB_ID", args->id, "the item's id (lib_...)")->required();
    on_run(*sub, ctx, [&ctx, args] { return print_item_result(ctx, ctx.call("library.get", {{"id", args->id}})); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = library->add_subcommand("rm", "remove an item and its stored file");
    add_global_options(*sub, ctx.options);
    sub->add_option("LIB_ID", args->id, "the item's id (lib_...)")->required();
    set_footer(*sub, "Refused (exit 3) while a live refers to the item; the error names the lives.");
    on_run(*sub, ctx, [&ctx, args] { return run_rm(ctx, *args); });
  }
  {
    auto args = std::make_shared<IdArgs>();
    CLI::App* sub = app.add_subcommand("vod", "show a live's VOD (live-to-VOD): source, duration, MP4, window");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_flag("--retry", args->retry, "run a FAILED VOD job again (the live stays ENCODING until it succeeds)");
    set_footer(*sub, "Exit 4 when the live has no VOD yet (it is made by `bvlive end` with live_vod set).");
    on_run(*sub, ctx, [&ctx, args] { return run_vod(ctx, *args); });
  }
}

}  // namespace bvlive::cli
