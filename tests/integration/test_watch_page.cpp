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
//     start-over bar; when its encoder goes, the signal_interruption cover goes over the video;
//   - pausing: a viewer pauses a playing live with the page's play/pause button (driven by
//     playwright-core, tests/browser/interactions.mjs "pause", see support/browser_driver.hpp):
//     the player_pause cover goes over the video, and goes when it plays again;
//   - the VOD: a catchup live pushed to and ended becomes a VOD; the page plays it from the
//     start with the full progress bar, for its whole duration as `bvlive vod` gives it, no
//     cover over it, and a pause puts up the player_pause cover there too.
//   - the controls: play/pause, mute and full screen are drawn icons (an inline <svg> each,
//     in the button's color, no characters a font may lack), and their icon and aria-label
//     follow the clicks (Play <-> Pause, Mute <-> Unmute, Full screen <-> Exit full screen);
//     screenshots of the player with its controls up.
// Screenshots are kept in BUILD/artifacts/watch_page_*.png.
#define BOOST_TEST_MODULE watch_page
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/browser.hpp"
#include "support/browser_driver.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
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

  // The "pause" scenario of the browser driver on `url`: what the viewer saw (its screenshots
  // kept as BUILD/artifacts/watch_page_NAME_*.png).
  json paused_and_resumed(const std::string& url, const std::string& name) {
    BrowserDriver driver(dir, url, "pause");
    return run_to_end(driver, 75s, BVLIVE_ARTIFACTS_DIR, "watch_page_" + name + "_",
                      [&] { return "daemon log:\n" + tail(daemon->log()); });
  }

  // What a viewer sees when pausing and playing again (the driver's observations): the
  // player_pause cover of live `id` over the paused video, and none once it plays again.
  void check_pause_cover(const json& seen, const std::string& id) {
    const std::string all = seen.dump(2);
    BOOST_TEST(seen["before_pause"]["cover_shown"] == false, "a cover over the playing video: " << all);
    BOOST_TEST(seen["before_pause"]["paused"] == false, all);

    const json& paused = seen["paused"];
    BOOST_TEST(paused["paused"] == true, "the play/pause button did not pause: " << all);
    BOOST_TEST(paused["play_label"] == "Play", all);
    BOOST_TEST(paused["cover_shown"] == true, "no cover over the paused video: " << all);
    BOOST_TEST(paused["cover_visible"] == true, "the cover is not visible: " << all);
    const std::string src = paused.value("cover_src", "");
    const std::string file = src.substr(0, src.find('?'));  // ?retry= when the first request came too early
    BOOST_TEST(file.ends_with("/live/" + id + "/covers/player_pause.jpg"), "not the player_pause cover: " << src);
    BOOST_TEST(paused["cover_loaded"] == true, "the player_pause cover did not load: " << all);
    BOOST_TEST(paused["report"]["cover"] == "player_pause", all);
    const HttpReply image = http_get(base() + "/live/" + id + "/covers/player_pause.jpg");
    BOOST_TEST(image.status == 200, image.describe());
    BOOST_TEST((image.body.size() > 3 && image.body.compare(0, 3, "\xff\xd8\xff") == 0), "not a JPEG");

    // Paused a while: still there, the video where it stopped.
    const json& still = seen["still_paused"];
    BOOST_TEST(still["cover_src"] == paused["cover_src"], all);
    BOOST_TEST(still["paused"] == true, all);
    BOOST_TEST(std::abs(still["current_time"].get<double>() - paused["current_time"].get<double>()) < 0.5,
               "the paused video moved: " << all);

    // Played again: the cover goes and the time advances.
    const json& resumed = seen["resumed"];
    BOOST_TEST(resumed["cover_shown"] == false, "the cover stayed over the playing video: " << all);
    BOOST_TEST(resumed["paused"] == false, all);
    BOOST_TEST(resumed["play_label"] == "Pause", all);
    BOOST_TEST(resumed["report"]["cover"].is_null(), all);
    BOOST_TEST(seen["played_after"]["to"].get<double>() - seen["played_after"]["from"].get<double>() >= 2.0, all);
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

// The controls check's browser driver, run with node and playwright-core as
// tests/browser/interactions.mjs is: one viewer of a playing live. What each control button
// shows (its aria-label, the icon it names, any text in it, the box of its <svg> and of the
// shape drawn there, the svg's fill and the button's color) while playing, after pause, mute,
// unmute, play, full screen and back; screenshots of the player with the controls up. Prints
// ONE JSON object (with "failure" and exit 1 when a wait runs out).
constexpr const char* kControlsDriver = R"js(
import { createRequire } from "node:module";
import path from "node:path";
const [url, outDir] = process.argv.slice(2);
const { chromium } = createRequire(path.join(process.env.BVLIVE_BROWSER_DRIVER_DIR, "package.json"))("playwright-core");
const WAIT = 15000;
const seen = { page_errors: [], screenshots: [] };
const controls = (page) => page.evaluate(() => {
  const out = {};
  for (const id of ["play", "mute", "full"]) {
    const b = document.getElementById(id), svg = b.querySelector("svg"), use = svg && svg.querySelector("use");
    const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
    let shape = null;
    try { if (use) { const r = use.getBBox(); shape = [r.width, r.height]; } } catch (e) { /* not rendered */ }
    out[id] = { label: b.getAttribute("aria-label"), icon: b.dataset.icon || null, text: b.textContent.trim(),
                href: use ? use.getAttribute("href") : null, button: box(b), svg: svg ? box(svg) : null, shape,
                fill: svg ? getComputedStyle(svg).fill : null, color: getComputedStyle(b).color };
  }
  return out;
});
const video = (page, test) => page.waitForFunction(test, null, { timeout: WAIT, polling: 100 });
// After a click, the page's handlers have a moment to swap the icon; the test checks the result.
const settle = (page, id, label) => page.waitForFunction(
  ([i, l]) => document.getElementById(i).getAttribute("aria-label") === l, [id, label],
  { timeout: 3000, polling: 50 }).catch(() => {});
let browser, failed = null, step = "";
try {
  step = "launching chromium";
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
    timeout: WAIT, args: ["--no-sandbox", "--mute-audio", "--autoplay-policy=no-user-gesture-required",
                          "--no-first-run", "--disable-dev-shm-usage"] });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => seen.page_errors.push(String((e && e.message) || e)));
  const shot = async (name) => {
    const file = path.join(outDir, name);
    await page.locator("#player").screenshot({ path: file, timeout: WAIT });
    seen.screenshots.push(file);
  };
  const controlsUp = async () => {
    await page.hover("#player", { timeout: WAIT });
    await page.waitForFunction(() => getComputedStyle(document.getElementById("controls")).opacity === "1",
                               null, { timeout: WAIT });
  };
  step = "opening the page";
  await page.goto(url, { waitUntil: "domcontentloaded", timeout: WAIT });
  step = "waiting for the video to play";
  await page.waitForFunction(() => { const v = document.getElementById("video"); return !v.paused && v.currentTime > 1; },
                             null, { timeout: 4 * WAIT, polling: 100 });
  step = "waiting for the controls";
  await controlsUp();
  seen.playing = await controls(page);
  await shot("controls_playing.png");
  step = "pausing with #play";
  await page.click("#play", { timeout: WAIT });
  await video(page, () => document.getElementById("video").paused);
  await settle(page, "play", "Play");
  seen.paused = await controls(page);
  step = "muting with #mute";
  await page.click("#mute", { timeout: WAIT });
  await video(page, () => document.getElementById("video").muted);
  await settle(page, "mute", "Unmute");
  seen.paused_muted = await controls(page);
  await controlsUp();
  await shot("controls_paused_muted.png");
  step = "unmuting with #mute";
  await page.click("#mute", { timeout: WAIT });
  await video(page, () => !document.getElementById("video").muted);
  await settle(page, "mute", "Mute");
  seen.unmuted = await controls(page);
  step = "playing with #play";
  await page.click("#play", { timeout: WAIT });
  await video(page, () => !document.getElementById("video").paused);
  await settle(page, "play", "Pause");
  seen.resumed = await controls(page);
  step = "full screen with #full";
  await page.click("#full", { timeout: WAIT });
  await page.waitForFunction(() => !!document.fullscreenElement, null, { timeout: WAIT });
  await settle(page, "full", "Exit full screen");
  seen.full_screen = await controls(page);
  step = "leaving full screen with #full";
  await controlsUp();
  await page.click("#full", { timeout: WAIT });
  await page.waitForFunction(() => !document.fullscreenElement, null, { timeout: WAIT });
  await settle(page, "full", "Full screen");
  seen.windowed = await controls(page);
} catch (e) {
  failed = step + ": " + ((e && e.message) || e);
  seen.failure = failed;
}
try { if (browser) await browser.close(); } catch (e) { /* going anyway */ }
process.stdout.write(JSON.stringify(seen) + "\n");
process.exit(failed ? 1 : 0);
)js";

// Runs kControlsDriver on `url`: its observations (its screenshots kept as
// BUILD/artifacts/watch_page_controls_*.png).
json click_the_controls(const TempDir& dir, const std::string& url, const std::string& context) {
  const std::string script = dir / "controls.mjs", out = dir / "driver-controls";
  write_file(script, kControlsDriver);
  std::filesystem::create_directories(out);
  BackgroundProcess driver({"env", std::string("BVLIVE_BROWSER_DRIVER_DIR=") + BVLIVE_BROWSER_DRIVER_DIR, "node",
                            script, url, out},
                           dir / "driver-controls.log");
  const auto code = driver.wait(120s);
  BOOST_TEST_REQUIRE(code.has_value(), "the controls driver did not finish:\n" << tail(driver.log()) << context);
  json seen;
  std::istringstream lines(driver.log());
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("{")) seen = json::parse(line, nullptr, false);
  BOOST_TEST_REQUIRE((seen.is_object() && !seen.is_discarded()),
                     "the controls driver printed no JSON:\n" << tail(driver.log()) << context);
  keep_screenshots(seen, BVLIVE_ARTIFACTS_DIR, "watch_page_");
  BOOST_TEST_REQUIRE(*code == 0, "the controls driver failed: " << seen.value("failure", "?") << "\n"
                                                                << tail(driver.log()) << context);
  BOOST_TEST(seen["page_errors"].empty(), "script errors on the page: " << seen["page_errors"].dump());
  return seen;
}

// Button `id` of `controls` (what the driver read at one moment, `when`) shows the icon
// `icon` and says `label`: an <svg> of a real size inside the button, drawing the icon's
// shape in the button's color, and no text (characters such as U+25B6 or U+1F50A, which
// Debian's default fonts lack, drew empty boxes).
void check_button(const json& controls, const std::string& id, const std::string& icon, const std::string& label,
                  const std::string& when) {
  BOOST_TEST_CONTEXT(when << ", button #" << id << ": " << controls[id].dump()) {
    const json& b = controls[id];
    BOOST_TEST(b["label"] == label);
    BOOST_TEST(b["icon"] == icon);
    BOOST_TEST(b["text"] == "", "text in the button instead of an icon");
    BOOST_TEST_REQUIRE(b["svg"].is_array(), "no <svg> in the button");
    const double w = b["svg"][0].get<double>(), h = b["svg"][1].get<double>();
    BOOST_TEST((w >= 16 && h >= 16), "the icon's box is " << w << " x " << h);
    BOOST_TEST((w <= b["button"][0].get<double>() && h <= b["button"][1].get<double>()), "the icon overflows");
    BOOST_TEST(b["href"] == "#icon-" + icon);
    BOOST_TEST_REQUIRE(b["shape"].is_array(), "nothing drawn in the <svg>");
    BOOST_TEST((b["shape"][0].get<double>() >= 4 && b["shape"][1].get<double>() >= 4),
               "the icon's shape is empty (its symbol missing?)");
    BOOST_TEST(b["fill"] == b["color"], "the icon is not drawn in the button's color");
  }
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_controls_are_drawn_icons_that_follow_the_clicks, WatchFixture) {
  const std::string id = create({"--name", "Controls", "--broadcast-mode", "traditional"});
  push(id);
  start(id);
  const json seen = click_the_controls(dir, base() + "/watch/" + id, "\ndaemon log:\n" + tail(daemon->log()));

  check_button(seen["playing"], "play", "pause", "Pause", "playing");
  check_button(seen["playing"], "mute", "volume", "Mute", "playing");
  check_button(seen["playing"], "full", "fullscreen", "Full screen", "playing");
  check_button(seen["paused"], "play", "play", "Play", "paused with #play");
  check_button(seen["paused"], "mute", "volume", "Mute", "paused with #play");
  check_button(seen["paused_muted"], "mute", "muted", "Unmute", "muted with #mute");
  check_button(seen["paused_muted"], "play", "play", "Play", "muted with #mute");
  check_button(seen["unmuted"], "mute", "volume", "Mute", "unmuted with #mute");
  check_button(seen["resumed"], "play", "pause", "Pause", "played again with #play");
  check_button(seen["full_screen"], "full", "fullscreen-exit", "Exit full screen", "full screen with #full");
  check_button(seen["windowed"], "full", "fullscreen", "Full screen", "out of full screen with #full");
}

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

BOOST_FIXTURE_TEST_CASE(a_paused_live_shows_the_player_pause_cover_until_it_plays_again, WatchFixture) {
  const std::string id = create({"--name", "Pause me", "--broadcast-mode", "traditional"});
  push(id);
  start(id);
  const json seen = paused_and_resumed(base() + "/watch/" + id, "live");
  check_pause_cover(seen, id);
  BOOST_TEST(seen["paused"]["report"]["status"]["state"] == "LIVE", seen.dump(2));
  BOOST_TEST(seen["paused"]["report"]["status"]["cover"] == "current", "not a pause of a running live: " << seen.dump(2));
}

BOOST_FIXTURE_TEST_CASE(the_page_plays_a_lives_vod_from_the_start, WatchFixture) {
  // A catchup live whose VOD window is open already: VOD as soon as the VOD is ready.
  const std::string id = create({"--name", "Replay night", "--broadcast-mode", "traditional", "--live-vod", "catchup",
                                 "--vod-start", rfc3339_in(-1min), "--vod-end", rfc3339_in(20min)});
  push(id);
  start(id);
  double recorded = 0;
  const bool long_enough = poll_until(
      [&] {
        recorded = playlist_duration(http_get(base() + "/live/" + id + "/media.m3u8").body);
        return recorded >= 10;
      },
      45s, 250ms);
  BOOST_TEST_REQUIRE(long_enough, "the live recorded only " << recorded << " s\n" << tail(daemon->log()));
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  encoder->stop(SIGINT);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "VOD", 60s),
                     id << " never became VOD (now " << state_of(cli, id) << ")\n" << tail(daemon->log()));
  const json vod = cli.json({"vod", id})["vod"];
  const double vod_seconds = vod["duration_seconds"].get<double>();
  BOOST_TEST_REQUIRE(vod_seconds >= 9, vod.dump(2));

  const std::string url = base() + "/watch/" + id;
  {
    HeadlessBrowser browser(url, dir.path(), "chromium-vod");
    BOOST_TEST_REQUIRE(plays(browser, 4), "the page did not play the VOD: " << describe(browser) << "\ndaemon log:\n"
                                                                             << tail(daemon->log()));
    const auto reports = browser.json_messages("watch: ");
    const auto first = std::find_if(reports.begin(), reports.end(),
                                    [](const json& r) { return r.value("playing", false) && !r.value("paused", true); });
    BOOST_TEST_REQUIRE((first != reports.end()));
    BOOST_TEST((*first)["currentTime"].get<double>() < 2.0, "the VOD did not play from its start: " << first->dump());
    for (auto r = first; r != reports.end(); ++r)
      BOOST_TEST((*r)["cover"].is_null(), "a cover over the playing VOD: " << r->dump());
    const json& last = reports.back();
    BOOST_TEST(last["status"]["state"] == "VOD", last.dump());
    BOOST_TEST(last["mode"] == "full", "a VOD has the full progress bar: " << last.dump());
    BOOST_TEST_REQUIRE(last["duration"].is_number(), "the page knows no duration: " << last.dump());
    BOOST_TEST(std::abs(last["duration"].get<double>() - vod_seconds) <= 1.0,
               "the page plays " << last["duration"] << " s, the VOD is " << vod_seconds << " s");
    BOOST_TEST(last["error"].is_null(), last.dump());
  }

  // A pause puts up the player_pause cover over a VOD too.
  const json seen = paused_and_resumed(url, "vod");
  check_pause_cover(seen, id);
  BOOST_TEST(seen["paused"]["report"]["status"]["state"] == "VOD", seen.dump(2));
  BOOST_TEST(seen["paused"]["report"]["mode"] == "full", seen.dump(2));
}
