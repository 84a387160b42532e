// The media library end to end: `bvlive library add/list/show/rm` against a real bvlived,
// with files made by the real ffmpeg, and the references lives hold on library items
// (issue 5: source.library.id, live_vod.replace.id).
#define BOOST_TEST_MODULE library
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

// A daemon whose state dir and test files share one filesystem (the temp dir), so
// imports can be hard links.
struct LibraryFixture {
  TempDir dir{"bvlive-lib"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir);
  Cli cli{daemon->socket()};

  // `bvlive library add PATH --json` -> the item; requires exit 0.
  json add(const std::string& path) {
    const RunResult r = cli.run({"--json", "library", "add", path});
    REQUIRE_EXIT(r, 0);
    return parse_out(r)["item"];
  }
  std::string list_text() {
    const RunResult r = cli.run({"--json", "library", "list"});
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
    return r.out;
  }
};

struct stat stat_of(const std::string& path) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0, "cannot stat " << path);
  return st;
}

// The value of a "key: value" line of human output (values may be aligned); "" if none.
std::string field(const std::string& out, const std::string& key) {
  const auto lines = playlist_lines(out, key + ":");  // the lines that start with "key:"
  if (lines.size() != 1) return "";
  const std::string value = lines[0].substr(key.size() + 1);
  const auto first = value.find_first_not_of(' ');
  return first == std::string::npos ? "" : value.substr(first);
}

// The RFC 3339 times a live_vod needs, far enough ahead to be valid.
std::vector<std::string> vod_window() { return {"--vod-start", rfc3339_in(1h), "--vod-end", rfc3339_in(2h)}; }

}  // namespace

BOOST_AUTO_TEST_CASE(add_list_show_a_video_and_an_image) {
  LibraryFixture f;
  make_test_video(f.dir / "clip.mp4", 4, "320x240");
  make_test_image(f.dir / "logo.png");

  const json video = f.add(f.dir / "clip.mp4");
  BOOST_TEST(video["id"].get<std::string>().rfind("lib_", 0) == 0, video.dump(2));
  BOOST_TEST(video["kind"] == "video", video.dump(2));
  BOOST_TEST(video["name"] == "clip.mp4", video.dump(2));
  BOOST_TEST(std::abs(video["duration_seconds"].get<double>() - 4.0) <= 0.5, video.dump(2));
  BOOST_TEST(video["video_codec"] == "h264", video.dump(2));
  BOOST_TEST(video["audio_codec"] == "aac", video.dump(2));
  BOOST_TEST(video["width"] == 320, video.dump(2));
  BOOST_TEST(video["height"] == 240, video.dump(2));
  BOOST_TEST(video["original"] == f.dir / "clip.mp4", video.dump(2));
  BOOST_TEST(video["used_by"].empty(), video.dump(2));
  BOOST_TEST(parse_rfc3339(video["created_at"].get<std::string>()).has_value(), video.dump(2));

  // Same filesystem as the state dir: a hard link to the very same inode, inside the state dir.
  const std::string stored = video["file"].get<std::string>();
  BOOST_TEST(video["stored"] == "hardlink", video.dump(2));
  BOOST_TEST(stored.rfind(f.daemon->state_dir() + "/media/library/", 0) == 0, video.dump(2));
  const struct stat original_st = stat_of(f.dir / "clip.mp4");
  const struct stat stored_st = stat_of(stored);
  BOOST_TEST(stored_st.st_ino == original_st.st_ino);
  BOOST_TEST(video["size_bytes"].get<long long>() == static_cast<long long>(original_st.st_size), video.dump(2));
  BOOST_TEST(std::abs(ffprobe_duration(stored) - 4.0) <= 0.5);

  // An image, with a name of our choosing; the human form is key/value lines.
  const RunResult human = f.cli.run({"library", "add", f.dir / "logo.png", "--name", "Logo"});
  REQUIRE_EXIT(human, 0);
  BOOST_TEST(field(human.out, "kind") == "image", human.describe());
  BOOST_TEST(field(human.out, "stored") == "hardlink", human.describe());
  const std::string image_id = field(human.out, "id");
  const json image = f.cli.json({"library", "show", image_id})["item"];
  BOOST_TEST(image["id"] == image_id, image.dump(2));
  BOOST_TEST(image["kind"] == "image", image.dump(2));
  BOOST_TEST(image["name"] == "Logo", image.dump(2));
  BOOST_TEST(image["width"] == 320, image.dump(2));

  // list shows both, in JSON and in the table.
  const json items = f.cli.json({"library", "list"})["items"];
  BOOST_TEST_REQUIRE(items.size() == 2u, items.dump(2));
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i["id"].get<std::string>());
  BOOST_TEST((std::find(ids.begin(), ids.end(), video["id"].get<std::string>()) != ids.end()), items.dump(2));
  BOOST_TEST((std::find(ids.begin(), ids.end(), image_id) != ids.end()), items.dump(2));
  const RunResult table = f.cli.run({"library", "list"});
  REQUIRE_EXIT(table, 0);
  BOOST_TEST(contains(table.out, "KIND"), table.describe());
  BOOST_TEST(contains(table.out, video["id"].get<std::string>()), table.describe());
  BOOST_TEST(contains(table.out, image_id), table.describe());

  // show by id matches what add printed.
  BOOST_TEST(f.cli.json({"library", "show", video["id"].get<std::string>()})["item"] == video);

  // -q prints the id alone.
  make_test_image(f.dir / "second.png");
  const RunResult q = f.cli.run({"-q", "library", "add", f.dir / "second.png"});
  REQUIRE_EXIT(q, 0);
  BOOST_TEST(q.out.rfind("lib_", 0) == 0, q.describe());
  BOOST_TEST(std::count(q.out.begin(), q.out.end(), '\n') == 1, q.describe());
  BOOST_TEST(f.cli.json({"library", "list"})["items"].size() == 3u);
}

BOOST_AUTO_TEST_CASE(refusals_store_nothing) {
  LibraryFixture f;
  make_test_video(f.dir / "clip.mp4", 2, "320x240");
  f.add(f.dir / "clip.mp4");
  const std::string before = f.list_text();

  write_file(f.dir / "notes.txt", "this is not a video\n");
  const RunResult text = f.cli.run({"library", "add", f.dir / "notes.txt"});
  CHECK_EXIT(text, 2);
  BOOST_TEST((contains(text.err, "ffprobe cannot read it") || contains(text.err, "not a media file")), text.describe());

  const RunResult missing = f.cli.run({"library", "add", f.dir / "nowhere.mp4"});
  CHECK_EXIT(missing, 2);
  BOOST_TEST(contains(missing.err, "no such file"), missing.describe());

  const RunResult directory = f.cli.run({"library", "add", f.dir.path()});
  CHECK_EXIT(directory, 2);

  BOOST_TEST(f.list_text() == before);
  const RunResult ls = run({"ls", "-A", f.daemon->state_dir() + "/media/library"});
  BOOST_TEST(std::count(ls.out.begin(), ls.out.end(), '\n') == 1, "one stored file expected:" << ls.describe());

  CHECK_EXIT(f.cli.run({"library", "show", "lib_nope"}), 4);
  CHECK_EXIT(f.cli.run({"library", "rm", "lib_nope"}), 4);
  BOOST_TEST(f.list_text() == before);
}

BOOST_AUTO_TEST_CASE(references_from_lives) {
  LibraryFixture f;
  make_test_video(f.dir / "clip.mp4", 2, "320x240");
  make_test_image(f.dir / "logo.png");
  const json video = f.add(f.dir / "clip.mp4");
  const json image = f.add(f.dir / "logo.png");
  const std::string video_id = video["id"].get<std::string>();
  const std::string image_id = image["id"].get<std::string>();
  const std::string lives_before = list_json_text(f.cli);

  // Unknown ids and items of the wrong kind are refused, naming the field; nothing is created.
  const RunResult unknown = f.cli.run(
      {"create", "--name", "Nope", "--type", "simulive", "--library-id", "lib_nope", "--broadcast-mode", "playback"});
  CHECK_EXIT(unknown, 2);
  BOOST_TEST(contains(unknown.err, "live.source.library.id"), unknown.describe());
  BOOST_TEST(contains(unknown.err, "lib_nope"), unknown.describe());
  const RunResult not_video = f.cli.run(
      {"create", "--name", "Still", "--type", "simulive", "--library-id", image_id, "--broadcast-mode", "playback"});
  CHECK_EXIT(not_video, 2);
  BOOST_TEST(contains(not_video.err, "live.source.library.id"), not_video.describe());
  BOOST_TEST(contains(not_video.err, "video"), not_video.describe());
  std::vector<std::string> replace = {"create", "--name", "Replaced", "--live-vod", "replace:" + image_id};
  for (const auto& a : vod_window()) replace.push_back(a);
  const RunResult replace_image = f.cli.run(replace);
  CHECK_EXIT(replace_image, 2);
  BOOST_TEST(contains(replace_image.err, "live.live_vod.replace.id"), replace_image.describe());
  // A watermark must be an image: a video there is refused the same way.
  const json watermark = {{"name", "Marked"},
                          {"security",
                           {{"watermark",
                             {{"enabled", true},
                              {"type", "WATERMARK_TYPE_IMAGE"},
                              {"position", "WATERMARK_POSITION_TOP_LEFT"},
                              {"image", {{"library_id", video_id}}}}}}}};
  const RunResult marked = f.cli.run_stdin(watermark.dump(), {"create", "--file", "-"});
  CHECK_EXIT(marked, 2);
  BOOST_TEST(contains(marked.err, "live.security.watermark.image.library_id"), marked.describe());
  BOOST_TEST(list_json_text(f.cli) == lives_before);

  // A simulive playing the video holds it: rm is a conflict naming the live and the field.
  const RunResult created = f.cli.run({"--json", "create", "--name", "Rerun", "--type", "simulive", "--library-id",
                                       video_id, "--broadcast-mode", "dvr"});
  REQUIRE_EXIT(created, 0);
  const std::string live_id = parse_out(created)["live"]["id"].get<std::string>();
  // update checks references too, and changes nothing when one is wrong.
  const std::string live_before = f.cli.run({"--json", "show", live_id}).out;
  const RunResult bad_update = f.cli.run({"update", live_id, "--library-id", image_id});
  CHECK_EXIT(bad_update, 2);
  BOOST_TEST(contains(bad_update.err, "live.source.library.id"), bad_update.describe());
  BOOST_TEST(f.cli.run({"--json", "show", live_id}).out == live_before);

  const json used = f.cli.json({"library", "show", video_id})["item"]["used_by"];
  BOOST_TEST_REQUIRE(used.size() == 1u, used.dump(2));
  BOOST_TEST(used[0]["live"] == live_id, used.dump(2));
  BOOST_TEST(used[0]["path"] == "source.library.id", used.dump(2));

  const RunResult held = f.cli.run({"library", "rm", video_id});
  CHECK_EXIT(held, 3);
  BOOST_TEST(contains(held.err, live_id), held.describe());
  BOOST_TEST(contains(held.err, "source.library.id"), held.describe());
  BOOST_TEST(path_exists(video["file"].get<std::string>()));
  CHECK_EXIT(f.cli.run({"library", "show", video_id}), 0);

  // Once the live is gone, rm removes the row and the stored file (the original stays).
  REQUIRE_EXIT(f.cli.run({"cancel", live_id}), 0);
  REQUIRE_EXIT(f.cli.run({"delete", "--yes", live_id}), 0);
  const RunResult rm = f.cli.run({"library", "rm", video_id});
  CHECK_EXIT(rm, 0);
  BOOST_TEST(!path_exists(video["file"].get<std::string>()));
  BOOST_TEST(path_exists(f.dir / "clip.mp4"));
  CHECK_EXIT(f.cli.run({"library", "show", video_id}), 4);
  const json items = f.cli.json({"library", "list"})["items"];
  BOOST_TEST_REQUIRE(items.size() == 1u, items.dump(2));
  BOOST_TEST(items[0]["id"] == image_id);
}

// A multi-gigabyte file added across file systems is copied on the thread pool: every other
// client is answered while the copy runs, and the adding client's next request waits its turn.
BOOST_AUTO_TEST_CASE(a_long_import_does_not_hold_up_other_clients) {
  LibraryFixture f;
  const RunResult created = f.cli.run({"-q", "create", "--name", "busy"});
  REQUIRE_EXIT(created, 0);
  const std::string id = first_line(created.out);
  // The source on tmpfs, the library on the state directory's disk: a copy, not a link.
  char tmpl[] = "/dev/shm/bvlive-big-XXXXXX";
  const char* shm = ::mkdtemp(tmpl);
  BOOST_TEST_REQUIRE(shm != nullptr, "cannot make a directory in /dev/shm");
  struct Remove {
    std::string dir;
    ~Remove() { std::filesystem::remove_all(dir); }
  } remove{shm};
  const std::string clip = remove.dir + "/clip.ts";
  BOOST_TEST_REQUIRE(run({"ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "4",
                          "-c:v", "libx264", "-preset", "ultrafast", "-f", "mpegts", clip})
                         .code == 0);
  struct statvfs disk {};
  BOOST_TEST_REQUIRE(::statvfs(f.daemon->state_dir().c_str(), &disk) == 0);
  const std::uint64_t free_bytes = static_cast<std::uint64_t>(disk.f_bavail) * disk.f_frsize;
  const std::uint64_t want = std::uint64_t{2} << 30;
  if (free_bytes < 3 * want || stat_of(remove.dir).st_dev == stat_of(f.daemon->state_dir()).st_dev) {
    BOOST_TEST_MESSAGE("skipped: " << free_bytes / (1 << 20) << " MiB free, or /dev/shm is the state directory's fs");
    return;
  }
  // MPEG-TS concatenates into a valid stream: the clip, again and again, up to 2 GiB.
  const std::string one = read_file(clip);
  const std::string big = remove.dir + "/big.ts";
  {
    std::ofstream out(big, std::ios::binary);
    for (std::uint64_t written = 0; written < want; written += one.size()) out.write(one.data(), static_cast<std::streamsize>(one.size()));
    BOOST_TEST_REQUIRE(out.good());
  }

  RpcClient adder(f.daemon->socket());
  RpcClient other(f.daemon->socket());
  BOOST_TEST_REQUIRE(adder.send(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "library.add"}, {"params", {{"path", big}}}}.dump() + "\n"));
  // The adder's next request is answered after its add (answers keep their order).
  BOOST_TEST_REQUIRE(adder.send(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "daemon.status"}, {"params", json::object()}}.dump() + "\n"));
  int answered_meanwhile = 0;
  std::int64_t slowest_us = 0;
  std::optional<std::string> added;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (!added && std::chrono::steady_clock::now() < deadline) {
    const auto t0 = std::chrono::steady_clock::now();
    const json got = other.call("live.get", {{"id", id}});
    slowest_us = std::max<std::int64_t>(
        slowest_us, std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
    BOOST_TEST_REQUIRE(got.contains("result"), got.dump());
    added = adder.read_line(20ms);
    if (!added) ++answered_meanwhile;
  }
  BOOST_TEST_REQUIRE(added.has_value(), "library.add did not answer in 120 s");
  const json add = json::parse(*added);
  BOOST_TEST_REQUIRE(add["id"] == 1, "answers out of order: " << *added);
  BOOST_TEST_REQUIRE(add.contains("result"), *added);
  BOOST_TEST(add["result"]["item"]["stored"] == "copy");
  BOOST_TEST(add["result"]["item"]["kind"] == "video");
  const auto status = adder.read_line(10s);
  BOOST_TEST_REQUIRE(status.has_value());
  BOOST_TEST(json::parse(*status)["id"] == 2);
  BOOST_TEST(answered_meanwhile >= 3, "only " << answered_meanwhile << " live.get answers while the copy ran");
  BOOST_TEST_MESSAGE("live.get answered " << answered_meanwhile << " times during the 2 GiB import; slowest "
                                          << slowest_us << " us");
  BOOST_TEST(stat_of(add["result"]["item"]["file"].get<std::string>()).st_size == stat_of(big).st_size);
}
