// The media library over a real SQLite store, with items probed by the real ffprobe:
// which fields of a live refer to library items (and the kind each needs), the reference
// check of create/update, removal refused while a live uses the item, and the JSON of
// `bvlive library list/show` with the lives that use each item.
#define BOOST_TEST_MODULE library_catalog
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "core/library/library_catalog.hpp"
#include "core/library/library_refs.hpp"
#include "rpc/error.hpp"
#include "service/live_service.hpp"
#include "support/boost_json.hpp"
#include "support/rpc_errors.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvlive;
using bvtest::contains;
using bvtest::error_of;
using bvtest::starts_with;
using namespace bvlive::library;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

using Lives = std::map<std::string, LiveRecord, std::less<>>;

// A video (H.264 + AAC, 1 s, 320x240) and a PNG, made by ffmpeg once for all the cases,
// with ffprobe's JSON for each.
struct Media {
  bvtest::TempDir dir{"bvlive-libcat-src"};
  std::string video_json, image_json;

  Media() {
    bvtest::make_test_video(dir / "clip.mp4", 1, "320x240", true);
    bvtest::make_test_image(dir / "still.png");
    video_json = probe_text(dir / "clip.mp4");
    image_json = probe_text(dir / "still.png");
  }

  static std::string probe_text(const std::string& path) {
    const auto r = bvtest::run(ffprobe_command("ffprobe", path), bvtest::with_timeout(std::chrono::seconds(30)));
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
    return r.out;
  }
};

Media& media() {
  static Media m;
  return m;
}

struct Fixture {
  bvtest::TempDir dir{"bvlive-libcat"};
  std::string media_root = dir / "media";
  std::unique_ptr<Store> store;
  std::unique_ptr<LibraryCatalog> catalog;

  Fixture() {
    fs::create_directories(media_root + "/library");
    reopen();
  }
  // A new catalog over a new connection: what a daemon restart sees.
  void reopen() {
    catalog.reset();
    store.reset();
    store = std::make_unique<Store>(dir / "bvlive.db", true);
    catalog = std::make_unique<LibraryCatalog>(*store, media_root);
  }

  // Stores a copy of the generated video ("video") or image ("image") as item `id`.
  LibraryItem make_item(const std::string& id, const std::string& name, bool video, TimeMs created_at) {
    LibraryItem item;
    item.id = id;
    item.name = name;
    item.file = "library/" + id + (video ? ".mp4" : ".png");
    item.original = media().dir / (video ? "clip.mp4" : "still.png");
    item.stored = "copy";
    item.probe_json = video ? media().video_json : media().image_json;
    auto parsed = parse_ffprobe_json(item.probe_json);
    BOOST_TEST_REQUIRE(std::holds_alternative<MediaProbe>(parsed));
    item.probe = std::get<MediaProbe>(parsed);
    item.created_at = created_at;
    fs::copy_file(item.original, media_root + "/" + item.file);
    return item;
  }
  void add(const std::string& id, const std::string& name, bool video, TimeMs created_at = 1000) {
    catalog->add(make_item(id, name, video, created_at));
  }
};

LiveSpec spec_of(const json& body) { return live_spec_from_json(body); }

LiveRecord live_of(const std::string& id, const json& body) {
  LiveRecord l;
  l.id = id;
  l.spec = spec_of(body);
  return l;
}


// Every field that can name a library item, each with a different id.
json all_refs_body() {
  return {{"name", "All"},
          {"custom_id", "all"},
          {"type", "simulive"},
          {"source", {{"library", {{"id", "lib_src"}}}}},
          {"live_vod",
           {{"source", "replace"},
            {"replace", {{"id", "lib_rep"}}},
            {"started_at", "2030-01-01T00:00:00Z"},
            {"ended_at", "2030-01-02T00:00:00Z"}}},
          {"security",
           {{"watermark",
             {{"enabled", true}, {"type", "image"}, {"position", "top_left"}, {"image", {{"library_id", "lib_wm"}}}}}}},
          {"cover_images", {{"end", {{"type", "COVER_IMAGE_TYPE_CUSTOMIZE"}, {"customize", {{"library_id", "lib_cov"}}}}}}},
          {"showroom", {{"libraries", json::array({{{"id", "lib_sr0"}}, {{"id", "lib_sr1"}}})}}}};
}

}  // namespace

BOOST_AUTO_TEST_CASE(refs_name_every_library_field_with_the_kind_it_needs) {
  const auto refs = library_refs(spec_of(all_refs_body()));
  using K = MediaProbe::Kind;
  struct Want {
    std::string path, id;
    K kind;
  };
  // showroom.libraries is kept as given but not used by bvlive: not a reference.
  const std::vector<Want> want = {
      {"live.source.library.id", "lib_src", K::Video},
      {"live.live_vod.replace.id", "lib_rep", K::Video},
      {"live.security.watermark.image.library_id", "lib_wm", K::Image},
      {"live.cover_images.end.customize.library_id", "lib_cov", K::Image},
  };
  BOOST_TEST_REQUIRE(refs.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    BOOST_TEST_CONTEXT("ref " << i) {
      BOOST_TEST(refs[i].path == want[i].path);
      BOOST_TEST(refs[i].id == want[i].id);
      BOOST_TEST_REQUIRE(refs[i].kind.has_value());
      BOOST_TEST(kind_name(*refs[i].kind) == kind_name(want[i].kind));
    }
  }
}

BOOST_AUTO_TEST_CASE(ids_left_in_unused_fields_refer_to_nothing) {
  BOOST_TEST(library_refs(spec_of({{"name", "Plain"}})).empty());
  // A live (not simulive) with a source id, a catchup VOD with a leftover replace id, a
  // disabled watermark, a cover that is not COVER_IMAGE_TYPE_CUSTOMIZE, showroom libraries,
  // and a playback id (a VOD, not a library item).
  const json body = {{"name", "Unused"},
                     {"source", {{"library", {{"id", "lib_src"}}}}},
                     {"live_vod",
                      {{"source", "catchup"},
                       {"replace", {{"id", "lib_rep"}}},
                       {"playback", {{"id", "vod_abc"}}},
                       {"started_at", "2030-01-01T00:00:00Z"},
                       {"ended_at", "2030-01-02T00:00:00Z"}}},
                     {"security", {{"watermark", {{"enabled", false}, {"image", {{"library_id", "lib_wm"}}}}}}},
                     {"cover_images", {{"end", {{"customize", {{"library_id", "lib_cov"}}}}}}},
                     {"showroom", {{"libraries", json::array({{{"id", "lib_sr0"}}})}}}};
  const auto refs = library_refs(spec_of(body));
  std::string paths;
  for (const auto& r : refs) paths += r.path + " ";
  BOOST_TEST(refs.empty(), paths);
}

BOOST_FIXTURE_TEST_SUITE(catalog, Fixture)

BOOST_AUTO_TEST_CASE(added_items_are_found_and_survive_a_restart_with_their_probe) {
  BOOST_TEST(catalog->items().empty());
  add("lib_video0000001", "Intro", true);
  add("lib_image0000001", "Logo", false);
  BOOST_TEST_REQUIRE(catalog->find("lib_video0000001") != nullptr);
  BOOST_TEST(catalog->find("lib_nosuchitem00") == nullptr);

  reopen();  // load_library re-reads each item's ffprobe JSON
  BOOST_TEST(catalog->items().size() == 2u);
  const LibraryItem* v = catalog->find("lib_video0000001");
  BOOST_TEST_REQUIRE(v != nullptr);
  BOOST_TEST(v->name == "Intro");
  BOOST_TEST(v->file == "library/lib_video0000001.mp4");
  BOOST_TEST(v->stored == "copy");
  BOOST_TEST(v->created_at == 1000);
  BOOST_TEST(kind_name(v->probe.kind) == "video");
  BOOST_TEST(v->probe.video_codec == "h264");
  BOOST_TEST(v->probe.audio_codec == "aac");
  BOOST_TEST(v->probe.width == 320);
  BOOST_TEST(v->probe.height == 240);
  BOOST_TEST(v->probe.duration_seconds > 0.9);
  BOOST_TEST(v->probe.duration_seconds < 1.2);
  BOOST_TEST(catalog->path_of(*v) == media_root + "/library/lib_video0000001.mp4");
  const LibraryItem* i = catalog->find("lib_image0000001");
  BOOST_TEST_REQUIRE(i != nullptr);
  BOOST_TEST(kind_name(i->probe.kind) == "image");
  BOOST_TEST(i->probe.video_codec == "png");
}

BOOST_AUTO_TEST_CASE(new_ids_are_lib_and_twelve_characters) {
  const std::string a = new_library_id(), b = new_library_id();
  BOOST_TEST(a.size() == 16u);
  BOOST_TEST(starts_with(a, "lib_"));
  BOOST_TEST(a != b);
}

BOOST_AUTO_TEST_CASE(check_refs_accepts_items_of_the_right_kind) {
  add("lib_vid", "Video", true);
  add("lib_img", "Image", false);
  json body = all_refs_body();
  body["source"]["library"]["id"] = "lib_vid";
  body["live_vod"]["replace"]["id"] = "lib_vid";
  body["security"]["watermark"]["image"]["library_id"] = "lib_img";
  body["cover_images"]["end"]["customize"]["library_id"] = "lib_img";
  body["showroom"]["libraries"] = json::array({{{"id", "lib_unknown"}}});  // not used: not checked
  BOOST_CHECK_NO_THROW(catalog->check_refs(spec_of(body)));
  BOOST_CHECK_NO_THROW(catalog->check_refs(spec_of({{"name", "Plain"}})));
}

BOOST_AUTO_TEST_CASE(check_refs_names_the_field_of_an_unknown_item) {
  add("lib_vid", "Video", true);
  const auto e = error_of([&] {
    catalog->check_refs(spec_of({{"name", "W"},
                                 {"security",
                                  {{"watermark",
                                    {{"enabled", true}, {"type", "image"}, {"image", {{"library_id", "lib_gone"}}}}}}}}));
  });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::InvalidParams));
  const std::string msg = e.what();
  BOOST_TEST(starts_with(msg, "live.security.watermark.image.library_id: "), msg);
  BOOST_TEST(contains(msg, "lib_gone"), msg);
  BOOST_TEST(contains(msg, "bvlive library list"), msg);
  BOOST_TEST(e.data()["path"] == "live.security.watermark.image.library_id");

  const auto r = error_of([&] {
    catalog->check_refs(spec_of({{"name", "R"},
                                 {"live_vod",
                                  {{"source", "replace"},
                                   {"replace", {{"id", "lib_x"}}},
                                   {"started_at", "2030-01-01T00:00:00Z"},
                                   {"ended_at", "2030-01-02T00:00:00Z"}}}}));
  });
  BOOST_TEST(starts_with(r.what(), "live.live_vod.replace.id: no library item 'lib_x'"), r.what());
  BOOST_TEST(r.data()["path"] == "live.live_vod.replace.id");
}

BOOST_AUTO_TEST_CASE(check_refs_refuses_an_item_of_the_wrong_kind) {
  add("lib_vid", "Intro video", true);
  add("lib_img", "Logo", false);

  const auto image_as_source = error_of([&] {
    catalog->check_refs(spec_of({{"name", "S"}, {"type", "simulive"}, {"source", {{"library", {{"id", "lib_img"}}}}}}));
  });
  BOOST_TEST(to_string(image_as_source.kind()) == to_string(ErrorKind::InvalidParams));
  std::string msg = image_as_source.what();
  BOOST_TEST(starts_with(msg, "live.source.library.id: "), msg);
  BOOST_TEST(contains(msg, "lib_img ('Logo') is image"), msg);
  BOOST_TEST(contains(msg, "needs a video"), msg);

  const auto video_as_cover = error_of([&] {
    catalog->check_refs(spec_of(
        {{"name", "C"},
         {"cover_images", {{"preview", {{"type", "COVER_IMAGE_TYPE_CUSTOMIZE"}, {"customize", {{"library_id", "lib_vid"}}}}}}}}));
  });
  msg = video_as_cover.what();
  BOOST_TEST(starts_with(msg, "live.cover_images.preview.customize.library_id: "), msg);
  BOOST_TEST(contains(msg, "is video"), msg);
  BOOST_TEST(contains(msg, "needs an image"), msg);
  BOOST_TEST(video_as_cover.data()["path"] == "live.cover_images.preview.customize.library_id");
}

BOOST_AUTO_TEST_CASE(remove_is_refused_while_a_live_uses_the_item_and_names_it) {
  add("lib_vid", "Video", true);
  add("lib_img", "Image", false);
  Lives lives;
  lives.emplace("live_1", live_of("live_1", {{"name", "Sim"},
                                             {"custom_id", "sunday"},
                                             {"type", "simulive"},
                                             {"source", {{"library", {{"id", "lib_vid"}}}}}}));
  lives.emplace("live_2", live_of("live_2", {{"name", "Edited"},
                                             {"live_vod",
                                              {{"source", "replace"},
                                               {"replace", {{"id", "lib_vid"}}},
                                               {"started_at", "2030-01-01T00:00:00Z"},
                                               {"ended_at", "2030-01-02T00:00:00Z"}}}}));

  const auto e = error_of([&] { catalog->remove("lib_vid", lives); });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::Conflict));
  const std::string msg = e.what();
  BOOST_TEST(contains(msg, "lib_vid"), msg);
  BOOST_TEST(contains(msg, "sunday (source.library.id)"), msg);  // custom_id names the live
  BOOST_TEST(contains(msg, "live_2 (live_vod.replace.id)"), msg);
  BOOST_TEST(contains(msg, "bvlive update"), msg);
  const json want_used = json::array({{{"live", "sunday"}, {"path", "source.library.id"}},
                                      {{"live", "live_2"}, {"path", "live_vod.replace.id"}}});
  BOOST_TEST(e.data()["used_by"] == want_used);

  // Nothing changed: the item, its row and its file are all still there.
  BOOST_TEST(catalog->find("lib_vid") != nullptr);
  BOOST_TEST(fs::exists(media_root + "/library/lib_vid.mp4"));
  reopen();
  BOOST_TEST(catalog->find("lib_vid") != nullptr);

  // An unused item goes: row, file and entry.
  BOOST_CHECK_NO_THROW(catalog->remove("lib_img", lives));
  BOOST_TEST(catalog->find("lib_img") == nullptr);
  BOOST_TEST(!fs::exists(media_root + "/library/lib_img.png"));

  // Once no live refers to it, the video goes too.
  lives.clear();
  BOOST_CHECK_NO_THROW(catalog->remove("lib_vid", lives));
  BOOST_TEST(!fs::exists(media_root + "/library/lib_vid.mp4"));
  reopen();
  BOOST_TEST(catalog->items().empty());
}

BOOST_AUTO_TEST_CASE(removing_an_unknown_item_is_not_found) {
  const auto e = error_of([&] { catalog->remove("lib_nothere", Lives{}); });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::NotFound));
  BOOST_TEST(contains(e.what(), "lib_nothere"), e.what());
  const auto g = error_of([&] { catalog->get_json("lib_nothere", Lives{}); });
  BOOST_TEST(to_string(g.kind()) == to_string(ErrorKind::NotFound));
}

BOOST_AUTO_TEST_CASE(list_and_get_show_the_probe_the_file_and_who_uses_it) {
  add("lib_b", "Later", true, 2000);
  add("lib_a", "Earlier", false, 3000);
  add("lib_c", "First", true, 1000);
  Lives lives;
  lives.emplace("live_1", live_of("live_1", {{"name", "W"},
                                             {"security",
                                              {{"watermark",
                                                {{"enabled", true}, {"type", "image"}, {"image", {{"library_id", "lib_a"}}}}}}}}));

  const json list = catalog->list_json(lives);
  BOOST_TEST_REQUIRE(list["items"].size() == 3u);
  // Oldest first (created_at), whatever the ids.
  BOOST_TEST(list["items"][0]["id"] == "lib_c");
  BOOST_TEST(list["items"][1]["id"] == "lib_b");
  BOOST_TEST(list["items"][2]["id"] == "lib_a");

  const json item = catalog->get_json("lib_a", lives)["item"];
  BOOST_TEST(item["name"] == "Earlier");
  BOOST_TEST(item["kind"] == "image");
  BOOST_TEST(item["video_codec"] == "png");
  BOOST_TEST(item["width"] == 320);
  BOOST_TEST(item["file"] == media_root + "/library/lib_a.png");
  BOOST_TEST(item["original"] == media().dir / "still.png");
  BOOST_TEST(item["stored"] == "copy");
  BOOST_TEST(item["created_at"] == format_rfc3339(3000));
  BOOST_TEST(item["used_by"] == json::array({{{"live", "live_1"}, {"path", "security.watermark.image.library_id"}}}));
  BOOST_TEST(item == list["items"][2]);

  const json video = catalog->get_json("lib_b", lives)["item"];
  BOOST_TEST(video["kind"] == "video");
  BOOST_TEST(video["audio_codec"] == "aac");
  BOOST_TEST(video["size_bytes"].get<std::int64_t>() > 0);
  BOOST_TEST(video["used_by"] == json::array());
}

// The daemon wires check_refs into the service: a create naming a missing or wrong item is
// refused with the field's path and stores nothing.
BOOST_AUTO_TEST_CASE(live_service_create_is_checked_against_the_catalog) {
  add("lib_vid", "Video", true);
  add("lib_img", "Image", false);
  LiveService svc(*store, ScheduleRules{}, media_root, now_ms());
  svc.check_references = [&](const LiveSpec& s) { catalog->check_refs(s); };
  const Caller op{1000, "op"};
  const auto e = error_of([&] {
    svc.create({{"live", {{"name", "S"}, {"type", "simulive"}, {"source", {{"library", {{"id", "lib_img"}}}}}}}}, op);
  });
  BOOST_TEST(to_string(e.kind()) == to_string(ErrorKind::InvalidParams));
  BOOST_TEST(starts_with(e.what(), "live.source.library.id: "), e.what());
  BOOST_TEST(svc.size() == 0u);
  BOOST_TEST(store->load_lives().empty());

  const json r = svc.create(
      {{"live", {{"name", "S"}, {"custom_id", "sim"}, {"type", "simulive"}, {"source", {{"library", {{"id", "lib_vid"}}}}}}}}, op);
  BOOST_TEST(svc.size() == 1u);
  // Now the video is in use by the live just made.
  const auto used = error_of([&] { catalog->remove("lib_vid", svc.lives()); });
  BOOST_TEST(to_string(used.kind()) == to_string(ErrorKind::Conflict));
  BOOST_TEST(contains(used.what(), "sim (source.library.id)"), used.what());
}

BOOST_AUTO_TEST_SUITE_END()
