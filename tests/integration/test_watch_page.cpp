// The viewer page (/watch/ID, share/web/watch.html) in Debian's chromium, headless, on a real
// daemon fed by ffmpeg over RTMP. The page logs `watch: {json}` once a second and on every
// change (the last status event, the cover it shows, whether the video plays, its time); the
// test reads those as a viewer would look at the page:
//   - a public live: it plays (the video time advances several seconds) under the live's name;
//     `bvlive end` stops it without a reload and puts up the `end` cover; a screenshot of the
//     ended page is kept in BUILD/artifacts/;
//   - a token live: the page is refused without a token; with ?token= it loads, gets its
//     status events, the preview cover and, once started, the playlist, all of which the
//     daemon refuses without the token, so the page forwarded it; a DVR live gets the
//     start-over bar; when its encoder goes, the signal_interruption cover goes over the video.
#define BOOST_TEST_MODULE watch_page
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/browser.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/page_fixture.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct WatchFixture : PageFixture {
  WatchFixture() : PageFixture("bvlive-watch") {}

  // The page must be served by the daemon itself, as a viewer opens it.
  void require_page(const std::string& url) {
    const HttpReply page = http_get(url);
    BOOST_TEST_REQUIRE(page.status == 200, "the daemon does not serve the viewer page at " << url << ": "
                                                                                           << page.describe());
    BOOST_TEST(contains(page.body, "watch: "), "not the viewer page:\n" << page.body.substr(0, 400));
  }
};

std::string describe(const HeadlessBrowser& browser) {
  std::string all;
  for (const auto& m : browser.messages("watch: ")) all += "  " + m + "\n";
  return "the page's reports:\n" + all + "chromium log tail:\n" + tail(browser.log());
}

// Waits until the page has played `seconds` of video (between two reports that say playing).
bool plays(HeadlessBrowser& browser, double seconds) {
  return browser.wait_for(
      [&] {
        double first = -1, last = -1;
        for (const auto& r : browser.json_messages("watch: ")) {
          if (!r.value("playing", false) || r.value("paused", true) || !r["currentTime"].is_number()) continue;
          const double t = r["currentTime"].get<double>();
          if (first < 0) first = t;
          last = t;
        }
        return first >= 0 && last - first >= seconds;
      },
      90s);
}

// Waits for a report that satisfies `pred`; returns it (null when none came).
json report_where(HeadlessBrowser& browser, const std::function<bool(const json&)>& pred, Ms timeout = 30s) {
  json found;
  browser.wait_for(
      [&] {
        for (const auto& r : browser.json_messages("watch: "))
          if (pred(r)) {
            found = r;
            return true;
          }
        return false;
      },
      timeout);
  return found;
}

// A second chromium's picture of `url`, as BUILD/artifacts/NAME (its log beside it), kept for
// people to look at (the test's own directory is removed). chromium takes it at the page's
// load event (a cover is usually up by then, a video not yet playing); --virtual-time-budget would
// wait forever on the page's event stream, --timeout bounds a load that never comes.
void screenshot(const std::string& url, const TempDir& dir, const std::string& name) {
  const std::string d = BVLIVE_ARTIFACTS_DIR;
  std::filesystem::create_directories(d);
  const std::string shot = d + "/" + name;
  std::filesystem::remove(shot);
  BackgroundProcess shooter({"chromium", "--headless=new", "--no-sandbox", "--no-first-run",
                             "--hide-scrollbars", "--autoplay-policy=no-user-gesture-required", "--mute-audio",
                             "--user-data-dir=" + dir / (name + "-profile"), "--window-size=1280,800",
                             "--enable-logging=stderr", "--timeout=10000", "--screenshot=" + shot, url},
                            shot + ".log");
  BOOST_TEST(shooter.wait(60s).has_value(), "chromium --screenshot did not finish:\n" << shooter.log());
  BOOST_TEST(path_exists(shot), "no screenshot at " << shot << ":\n" << shooter.log());
  BOOST_TEST_MESSAGE("screenshot: " << shot);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_page_plays_a_live_and_shows_its_end_without_reload, WatchFixture) {
  const std::string name = "Evening <b>news</b> & \"weather\"";  // markup in data stays text
  const std::string id = create({"--name", name, "--broadcast-mode", "traditional"});
  push(id);
  start(id);
  const std::string url = base() + "/watch/" + id;
  require_page(url);

  HeadlessBrowser browser(url, dir.path(), "chromium-watch");
  BOOST_TEST_REQUIRE(plays(browser, 4), "the page did not play the live: " << describe(browser)
                                                                            << "\ndaemon log:\n" << tail(daemon->log()));
  json last = browser.json_messages("watch: ").back();
  BOOST_TEST(last["title"] == name, last.dump());
  BOOST_TEST(last["status"]["state"] == "LIVE", last.dump());
  BOOST_TEST(last["cover"].is_null(), "a cover over the playing video: " << last.dump());
  BOOST_TEST(last["mode"] == "none", "a traditional live has no progress bar: " << last.dump());
  BOOST_TEST(last["error"].is_null(), last.dump());

  REQUIRE_EXIT(cli.run({"end", id}), 0);
  const json ended = report_where(browser, [](const json& r) {
    return r["cover"] == "end" && r["playing"] == false && r.value("cover_loaded", false);
  });
  BOOST_TEST_REQUIRE(!ended.is_null(), "the page did not stop on the end cover: " << describe(browser));
  BOOST_TEST(ended["status"]["cover"] == "end", ended.dump());
  BOOST_TEST(ended["title"] == name, ended.dump());
  // The same page all along: loaded once.
  const auto messages = browser.messages("watch: ");
  BOOST_TEST(std::count(messages.begin(), messages.end(), "loaded") == 1, describe(browser));
  browser.stop();

  // What a viewer now sees, kept for people to look at.
  screenshot(url, dir, "watch_page_ended.png");
}

BOOST_FIXTURE_TEST_CASE(a_token_live_is_watched_with_the_token_of_its_page_url, WatchFixture) {
  const std::string id = create({"--name", "Members only", "--privacy", "token", "--broadcast-mode", "dvr"});
  const RunResult issued = cli.run({"-q", "token", id});
  REQUIRE_EXIT(issued, 0);
  const std::string token = issued.out.substr(0, issued.out.find('\n'));
  push(id);

  const std::string url = base() + "/watch/" + id;
  const HttpReply refused = http_get(url);
  BOOST_TEST(refused.status == 401, refused.describe());
  require_page(url + "?token=" + token);

  // Opened during the preview: the status events and the preview cover need the token.
  HeadlessBrowser browser(url + "?token=" + token, dir.path(), "chromium-token");
  const json preview = report_where(browser, [](const json& r) {
    return r["cover"] == "preview" && r.value("cover_loaded", false);
  }, 45s);
  BOOST_TEST_REQUIRE(!preview.is_null(), "no preview cover shown: " << describe(browser));
  BOOST_TEST(preview["status"]["name"] == "Members only", preview.dump());
  BOOST_TEST(preview["playing"] == false, preview.dump());

  // Started: the page plays by itself, the playlist and segments fetched with the token.
  start(id);
  BOOST_TEST_REQUIRE(plays(browser, 4), "the page did not play the token live: " << describe(browser)
                                                                                 << "\ndaemon log:\n"
                                                                                 << tail(daemon->log()));
  const json last = browser.json_messages("watch: ").back();
  BOOST_TEST(last["mode"] == "startover", "a DVR live has a start-over bar: " << last.dump());
  BOOST_TEST(last["error"].is_null(), last.dump());

  // The encoder goes away: the signal_interruption cover goes over the video, still LIVE.
  encoder->stop(SIGKILL);
  const json lost = report_where(browser, [](const json& r) {
    return r["cover"] == "signal_interruption" && r.value("cover_loaded", false);
  }, 45s);
  BOOST_TEST_REQUIRE(!lost.is_null(), "no signal_interruption cover: " << describe(browser));
  BOOST_TEST(lost["status"]["state"] == "LIVE", lost.dump());
  const auto messages = browser.messages("watch: ");
  BOOST_TEST(std::count(messages.begin(), messages.end(), "loaded") == 1, describe(browser));
}
