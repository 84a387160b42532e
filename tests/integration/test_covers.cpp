// Cover images with real processes: cards rendered by ffmpeg for the statuses without
// pictures, frames of the running stream for preview and current, library images for
// customized covers; /live/ID/cover.jpg follows the live's status (issue 6, item 4).
#define BOOST_TEST_MODULE covers
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct CoverFixture {
  TempDir dir{"bvlive-covers"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir, "[media]\nsignal_timeout = \"2s\"\n");
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(ports.http) + path; }

  // GETs a cover until it is made (the first request starts ffmpeg and answers 503).
  HttpReply cover(const std::string& path, const std::string& expect_status) {
    HttpReply r;
    const bool ok = poll_until(
        [&] {
          r = http_get(url(path));
          return r.status == 200 && r.headers["x-bvlive-cover"] == expect_status;
        },
        20s, 250ms);
    BOOST_TEST_REQUIRE(ok, path << " never became the " << expect_status << " cover: " << r.describe());
    BOOST_TEST(r.headers["content-type"] == "image/jpeg");
    return r;
  }

  // Width x height of a JPEG, by ffprobe reading it from the origin.
  std::pair<int, int> size_of(const std::string& path) {
    const json probe = ffprobe_streams(url(path));
    BOOST_TEST_REQUIRE(probe["streams"].size() == 1u, probe.dump());
    BOOST_TEST(probe["streams"][0]["codec_name"] == "mjpeg", probe.dump());
    return {probe["streams"][0]["width"].get<int>(), probe["streams"][0]["height"].get<int>()};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(auto_covers_follow_the_status, CoverFixture) {
  const RunResult created = cli.run({"-q", "create", "--name", "Sunday: it's [live]", "--scheduled-at", rfc3339_in(48h)});
  REQUIRE_EXIT(created, 0);
  const std::string id = created.out.substr(0, created.out.find('\n'));

  // Scheduled: a 1280x720 card.
  const HttpReply first = http_get(url("/live/" + id + "/cover.jpg"));
  BOOST_TEST((first.status == 503 || first.status == 200), first.describe());
  const HttpReply card = cover("/live/" + id + "/cover.jpg", "ready_to_start");
  BOOST_TEST((size_of("/live/" + id + "/cover.jpg") == std::pair{1280, 720}));

  // Every status has a cover of its own at covers/STATUS.jpg; an unknown one is refused.
  const HttpReply end_card = cover("/live/" + id + "/covers/end.jpg", "end");
  BOOST_TEST(end_card.body != card.body, "the end card looks like the ready_to_start card");
  const HttpReply unknown = http_get(url("/live/" + id + "/covers/nope.jpg"));
  BOOST_TEST(unknown.status == 404, unknown.describe());
  BOOST_TEST(contains(unknown.body, "signal_interruption"), unknown.describe());

  // Preview: a frame of the stream (the source's 640x360), refreshed as the stream goes on.
  REQUIRE_EXIT(cli.run({"update", id, "--scheduled-at", "none"}), 0);
  BOOST_TEST_REQUIRE(poll_until([&] { return live_of(cli, id)["state"] == "WAIT_FOR_PREVIEW"; }, 10s));
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  auto encoder = std::make_unique<BackgroundProcess>(
      encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"), dir / "encoder.log");
  BOOST_TEST_REQUIRE(poll_until(
      [&] {
        const json s = cli.json({"sessions", id})["sessions"];
        return !s.empty() && s[0]["state"] == "LIVE" && s[0]["segments"].get<int>() >= 2;
      },
      30s));
  const HttpReply frame = cover("/live/" + id + "/cover.jpg", "preview");
  BOOST_TEST((size_of("/live/" + id + "/cover.jpg") == std::pair{640, 360}));
  HttpReply later;
  const bool refreshed = poll_until(
      [&] {
        later = http_get(url("/live/" + id + "/cover.jpg"));
        return later.status == 200 && later.body != frame.body;
      },
      20s, 500ms);
  BOOST_TEST(refreshed, "the preview frame was never refreshed");

  // LIVE: current; the encoder gone: signal_interruption; ended: end.
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  cover("/live/" + id + "/cover.jpg", "current");
  encoder->stop(SIGKILL);
  cover("/live/" + id + "/cover.jpg", "signal_interruption");
  BOOST_TEST((size_of("/live/" + id + "/cover.jpg") == std::pair{1280, 720}));
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  cover("/live/" + id + "/cover.jpg", "end");
}

BOOST_FIXTURE_TEST_CASE(customized_covers_are_library_images, CoverFixture) {
  const std::string png = dir / "end.png";
  make_test_image(png);  // 320x240
  const RunResult added = cli.run({"-q", "library", "add", png});
  REQUIRE_EXIT(added, 0);
  const std::string image = added.out.substr(0, added.out.find('\n'));
  const json body = {{"live",
                      {{"name", "Custom"},
                       {"cover_images",
                        {{"end", {{"type", "COVER_IMAGE_TYPE_CUSTOMIZE"}, {"customize", {{"library_id", image}}}}}}}}}};
  const RunResult created = cli.run_stdin(body.dump(), {"create", "--json", "-"});
  REQUIRE_EXIT(created, 0);
  const std::string id = parse_out(created)["live"]["id"].get<std::string>();
  cover("/live/" + id + "/covers/end.jpg", "end");
  BOOST_TEST((size_of("/live/" + id + "/covers/end.jpg") == std::pair{320, 240}));
  // The others stay automatic.
  cover("/live/" + id + "/covers/close.jpg", "close");
  BOOST_TEST((size_of("/live/" + id + "/covers/close.jpg") == std::pair{1280, 720}));
}
