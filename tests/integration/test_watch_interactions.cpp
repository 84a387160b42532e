// The viewer page's chat and polls (/watch/ID, share/web/watch.html) in Debian's chromium,
// headless, driven by playwright-core (tests/browser/interactions.mjs) on a real daemon. The
// script acts as viewers do and prints what the pages showed; this test checks it:
//   - a LIVE live fed by ffmpeg, its live room dark, polls on, two browser contexts (two
//     devices): a message from A shows in B under A's name; a message with HTML shows as text
//     and makes no element; a poll made with `bvlive poll create` gets A's vote in B's results
//     without a reload, then B's; A is offered no second vote and a direct one gets 409; the
//     page is dark; `bvlive chat --once` and `bvlive poll results` show what the viewers did;
//     posting too fast shows the daemon's reason on the page;
//   - a token live whose room is light, watched with ?token=: the page is light, shows the
//     history (a host message sent before) and posts with the token; a host message
//     (`bvlive chat --send`) shows marked as the host's and goes when the host deletes it
//     (`bvlive chat --delete`);
//   - the page embedded in an iframe of another site's page (the customer's), where the
//     browser sends and keeps no bvlive_device cookie (each cookieless request is a new
//     device): the page keeps the id the daemon gave it and sends it as X-Bvlive-Device, so
//     its vote counts, after a reload of the customer's page it still shows this device's
//     choice and offers no second vote, and its chat message arrives.
// Screenshots of the pages are kept in BUILD/artifacts/.
#define BOOST_TEST_MODULE watch_interactions
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "support/browser_driver.hpp"
#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/page_fixture.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

// The brightness (0 dark .. 1 light) of a computed CSS colour "rgb(r, g, b)" or "rgba(r, g, b, a)".
std::optional<double> brightness(const json& colour) {
  if (!colour.is_string()) return std::nullopt;
  int r = 0, g = 0, b = 0;
  const std::string text = colour.get<std::string>();
  if (std::sscanf(text.c_str(), "rgb(%d, %d, %d)", &r, &g, &b) != 3 &&
      std::sscanf(text.c_str(), "rgba(%d, %d, %d", &r, &g, &b) != 3)
    return std::nullopt;
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255.0;
}

// The counts a poll's results show, per option, as [n, n, n].
json counts_of(const json& poll) {
  json counts = json::array();
  for (const auto& r : poll.value("results", json::array())) counts.push_back(r.value("count", -1));
  return counts;
}

// The option marked as this device's vote (-1 when none).
int mine_of(const json& poll) {
  int i = 0;
  for (const auto& r : poll.value("results", json::array())) {
    if (r.value("mine", false)) return i;
    ++i;
  }
  return -1;
}

// Whether `id` is a device id as the daemon makes them: 32 lower-case hex characters.
bool device_shaped(const json& id) {
  if (!id.is_string()) return false;
  const std::string text = id.get<std::string>();
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

struct InteractionsFixture : PageFixture {
  InteractionsFixture() : PageFixture("bvlive-chatpage") {}

  // Opens the preview, pushes a test pattern until the packager has segments, starts the live.
  void push_and_start(const std::string& id) {
    push(id);
    start(id);
  }

  // Runs the driver to its end; its JSON, the test failed (with the logs) when it did not finish well.
  json finished(BrowserDriver& driver, Ms timeout) {
    return run_to_end(driver, timeout, BVLIVE_ARTIFACTS_DIR, "watch_interactions_",
                      [&] { return "daemon log:\n" + tail(daemon->log()); });
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(two_viewers_chat_and_vote_on_a_dark_live, InteractionsFixture) {
  const std::string id =
      create({"--name", "Chat night", "--broadcast-mode", "traditional", "--chat-live", "dark", "--polls"});
  push_and_start(id);
  const RunResult made = cli.run({"-q", "poll", "create", id, "Best colour?", "Red", "Green", "Blue"});
  REQUIRE_EXIT(made, 0);
  const std::string poll_id = made.out.substr(0, made.out.find('\n'));

  BrowserDriver driver(dir, base() + "/watch/" + id, "viewers");
  json seen = finished(driver, 120s);
  const std::string all = seen.dump(2);

  // A's message in B, under A's name.
  BOOST_TEST(seen["hello_in_b"]["name"] == "Alice", all);
  BOOST_TEST(seen["hello_in_b"]["text"] == "Hello from A", all);
  BOOST_TEST(seen["hello_in_b"]["host"] == false, all);
  BOOST_TEST(seen["a_post_error"] == "", "A's message was refused: " << seen["a_post_error"]);
  BOOST_TEST(seen["name_remembered"] == "Alice", "the name is not remembered: " << all);
  BOOST_TEST(seen["counter"] == "0 / 500", "the character counter: " << seen["counter"]);

  // Markup in a message is text: the same characters on both pages, no element made.
  BOOST_TEST(seen["html_in_b"]["text"] == seen["html_text"], all);
  BOOST_TEST(seen["html_in_b"]["name"] == "Alice", all);
  BOOST_TEST(seen["elements_in_chat_b"] == 0, "elements made from a message in B: " << all);
  BOOST_TEST(seen["elements_in_chat_a"] == 0, "elements made from a message in A: " << all);

  // The poll: three buttons; A's vote in B's results without a reload, then B's.
  BOOST_TEST(seen["poll_before_a"]["id"] == std::stoi(poll_id), all);
  BOOST_TEST(seen["poll_before_a"]["question"] == "Best colour?", all);
  BOOST_TEST(seen["poll_before_a"]["vote_buttons"] == json({"Red", "Green", "Blue"}), all);
  BOOST_TEST(seen["poll_a_after_vote"]["vote_buttons"].empty(), "A may vote again: " << all);
  BOOST_TEST(counts_of(seen["poll_b_after_a"]) == json({1, 0, 0}), "B's results after A's vote: " << all);
  BOOST_TEST(seen["poll_b_after_a"]["vote_buttons"].size() == 3, "B could not vote: " << all);
  for (const char* page : {"poll_a_final", "poll_b_final"}) {
    BOOST_TEST(seen[page]["total"] == 2, page << ": " << all);
    BOOST_TEST(counts_of(seen[page]) == json({1, 1, 0}), page << ": " << all);
    BOOST_TEST(seen[page]["vote_buttons"].empty(), page << " still offers a vote: " << all);
  }
  BOOST_TEST(mine_of(seen["poll_a_final"]) == 0, "A's own choice is not marked: " << all);
  BOOST_TEST(mine_of(seen["poll_b_final"]) == 1, "B's own choice is not marked: " << all);
  BOOST_TEST(seen["poll_a_final"]["results"][0]["label"] == "1 \u00b7 50%", all);

  // A second vote from A: not offered, and refused when sent anyway.
  BOOST_TEST(seen["a_second_vote_buttons"] == 0, all);
  BOOST_TEST(seen["a_second_vote"]["status"] == 409, "a second vote: " << seen["a_second_vote"]);
  BOOST_TEST(contains(seen["a_second_vote"].value("text", ""), "already voted"), seen["a_second_vote"]);

  // Dark: the attribute, and the chat panel and page are dark.
  for (const char* page : {"theme_a", "theme_b"}) {
    BOOST_TEST(seen[page]["data_theme"] == "dark", page << ": " << all);
    const auto chat = brightness(seen[page]["chat_background"]);
    const auto body = brightness(seen[page]["body_background"]);
    BOOST_TEST_REQUIRE((chat && body), "colours not understood: " << seen[page]);
    BOOST_TEST(*chat < 0.25, "the dark chat panel is not dark: " << seen[page]);
    BOOST_TEST(*body < 0.25, "the dark page is not dark: " << seen[page]);
  }

  // Posting too fast: the daemon's reason on the page.
  BOOST_TEST(contains(seen.value("rate_limit_error", ""), "too fast"), "no rate limit shown: " << all);

  // The host sees what the viewers did.
  const RunResult chat = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(chat, 0);
  BOOST_TEST(contains(chat.out, "Alice: Hello from A"), chat.describe());
  BOOST_TEST(contains(chat.out, "Alice: <img src=x onerror=alert(1)><b>bold</b>"), chat.describe());
  const RunResult results = cli.run({"poll", "results", id});
  REQUIRE_EXIT(results, 0);
  BOOST_TEST(contains(results.out, "Best colour?"), results.describe());
  const json polls = cli.json({"poll", "results", id});
  const json& list = polls.contains("polls") ? polls["polls"] : polls;
  BOOST_TEST_REQUIRE(list.size() == 1, polls.dump(2));
  BOOST_TEST(list[0]["votes"] == json({1, 1, 0}), polls.dump(2));
  BOOST_TEST(list[0]["total"] == 2, polls.dump(2));
}

BOOST_FIXTURE_TEST_CASE(a_light_room_and_the_hosts_messages, InteractionsFixture) {
  // The chat of the live phase is open from creation on: no stream needed. A token live: the
  // page's requests (history, posting) are refused without the token of its URL.
  const std::string id = create({"--name", "Garden show", "--chat-live", "light", "--privacy", "token"});
  const RunResult issued = cli.run({"-q", "token", id});
  REQUIRE_EXIT(issued, 0);
  const std::string token = issued.out.substr(0, issued.out.find('\n'));
  const HttpReply bare = http_get(base() + "/live/" + id + "/interaction");
  BOOST_TEST(bare.status == 401, "the room of a token live without a token: " << bare.describe());
  REQUIRE_EXIT(cli.run({"chat", id, "--send", "Doors open at six"}), 0);  // history for the page

  BrowserDriver driver(dir, base() + "/watch/" + id + "?token=" + token, "host");
  const std::string ready = driver.wait_for_progress("ready", 60s);
  BOOST_TEST_REQUIRE(!ready.empty(), "the page's chat did not show:\n" << tail(driver.log()));

  const RunResult sent = cli.run({"-q", "chat", id, "--send", "Welcome, gardeners!"});
  REQUIRE_EXIT(sent, 0);
  const std::string message_id = sent.out.substr(0, sent.out.find('\n'));
  const std::string seen_line = driver.wait_for_progress("host message seen", 45s);
  BOOST_TEST_REQUIRE(!seen_line.empty(), "the host message did not show:\n" << tail(driver.log()));
  REQUIRE_EXIT(cli.run({"chat", id, "--delete", message_id}), 0);

  json seen = finished(driver, 60s);
  const std::string all = seen.dump(2);
  BOOST_TEST_REQUIRE(seen["history"].size() == 1, "the page's history: " << all);
  BOOST_TEST(seen["history"][0]["text"] == "Doors open at six", all);
  BOOST_TEST(seen["history"][0]["name"] == "Host", all);
  BOOST_TEST(seen["history"][0]["host"] == true, all);
  BOOST_TEST(seen["viewer_post_error"] == "", "the viewer's message was refused: " << all);
  BOOST_TEST(seen["viewer_message"]["host"] == false, all);
  BOOST_TEST(seen["host_message"]["id"] == std::stoll(message_id), all);
  BOOST_TEST(seen["host_message"]["text"] == "Welcome, gardeners!", all);
  BOOST_TEST(seen["host_message"]["host"] == true, all);
  BOOST_TEST(seen["host_message"]["tag"] == "host", all);
  BOOST_TEST(seen["host_message_removed"] == true, all);
  for (const auto& m : seen["messages_after_delete"])
    BOOST_TEST(m["id"] != std::stoll(message_id), "the deleted message is still on the page: " << all);
  const RunResult listed = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(listed, 0);
  BOOST_TEST(contains(listed.out, "Host (host): Doors open at six"), listed.describe());
  BOOST_TEST(contains(listed.out, "Viv: Thanks, host!"), listed.describe());
  BOOST_TEST(!contains(listed.out, "Welcome, gardeners!"), "the deleted message is still listed" << listed.describe());

  BOOST_TEST(seen["theme"]["data_theme"] == "light", all);
  const auto chat = brightness(seen["theme"]["chat_background"]);
  const auto body = brightness(seen["theme"]["body_background"]);
  BOOST_TEST_REQUIRE((chat && body), "colours not understood: " << seen["theme"]);
  BOOST_TEST(*chat > 0.8, "the light chat panel is not light: " << seen["theme"]);
  BOOST_TEST(*body > 0.8, "the light page is not light: " << seen["theme"]);
}

BOOST_FIXTURE_TEST_CASE(the_page_in_another_sites_iframe_votes_and_chats_without_cookies, InteractionsFixture) {
  // The live phase's room and polls are open from creation on: no stream needed. The live
  // plays only on the customer's site (domain control): the site may frame the page, and
  // the page's own requests, which name the page itself, still get through.
  const std::string body = dir / "domain.json";
  std::ofstream(body) << R"({"security": {"domain_control": {"enabled": true, "domains": ["customer.example"]}}})";
  const std::string id = create({"-f", body, "--name", "Embedded show", "--chat-live", "light", "--polls"});
  const RunResult made = cli.run({"-q", "poll", "create", id, "Which song next?", "Slow", "Fast", "Both"});
  REQUIRE_EXIT(made, 0);
  const std::string poll_id = made.out.substr(0, made.out.find('\n'));

  BrowserDriver driver(dir, base() + "/watch/" + id, "embedded");
  json seen = finished(driver, 120s);
  const std::string all = seen.dump(2);

  // Really cookieless: the browser stored no cookie for the daemon, and two fetches from the
  // frame without the header were two new devices, neither the page's own.
  BOOST_TEST(seen["cookies_stored"].empty(), "the browser kept the daemon's cookie in the frame: " << all);
  BOOST_TEST(seen["cookies_stored_after_reload"].empty(), all);
  const json& fetches = seen["cookieless_fetches"];
  BOOST_TEST_REQUIRE(fetches.size() == 2, all);
  for (const auto& f : fetches) {
    BOOST_TEST(f["status"] == 200, "a fetch of the room from the frame: " << all);
    BOOST_TEST(device_shaped(f["device"]), "GET /interaction gave no device id: " << all);
  }
  BOOST_TEST(fetches[0]["device"] != fetches[1]["device"], "two cookieless fetches, one device (a cookie went?): " << all);
  const json& stored = seen["stored_device"];
  BOOST_TEST(device_shaped(stored), "the page kept no device id in localStorage: " << all);
  for (const auto& f : fetches) BOOST_TEST(f["device"] != stored, all);
  BOOST_TEST(seen["fetch_with_header"]["status"] == 200, all);
  BOOST_TEST(seen["fetch_with_header"]["device"] == fetches[0]["device"], "the daemon did not take X-Bvlive-Device: " << all);

  // The vote from the frame counts and is shown as this device's.
  BOOST_TEST(seen["poll_before"]["id"] == std::stoi(poll_id), all);
  BOOST_TEST(seen["poll_before"]["vote_buttons"] == json({"Slow", "Fast", "Both"}), all);
  BOOST_TEST(seen["poll_after_vote"]["error"].is_null(), "the frame's vote was refused: " << all);
  BOOST_TEST(seen["poll_after_vote"]["voted"] == 1, all);
  BOOST_TEST(counts_of(seen["poll_after_vote"]) == json({0, 1, 0}), all);
  BOOST_TEST(mine_of(seen["poll_after_vote"]) == 1, all);

  // After a reload of the customer's page: the same device, its choice, no second vote.
  BOOST_TEST(seen["stored_device_after_reload"] == stored, all);
  BOOST_TEST(seen["poll_after_reload"]["voted"] == 1, "after the reload the frame forgot its vote: " << all);
  BOOST_TEST(mine_of(seen["poll_after_reload"]) == 1, all);
  BOOST_TEST(seen["poll_after_reload"]["vote_buttons"].empty(), "after the reload the frame may vote again: " << all);
  BOOST_TEST(counts_of(seen["poll_after_reload"]) == json({0, 1, 0}), all);

  // The frame's message.
  BOOST_TEST(seen["post_error"] == "", "the frame's message was refused: " << all);
  BOOST_TEST(seen["message"]["name"] == "Emma", all);
  BOOST_TEST(seen["message"]["text"] == "Hello from the customer's site", all);
  BOOST_TEST(seen["theme"]["data_theme"] == "light", all);

  // The host sees both.
  const RunResult chat = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(chat, 0);
  BOOST_TEST(contains(chat.out, "Emma: Hello from the customer's site"), chat.describe());
  const RunResult results = cli.run({"poll", "results", id, poll_id});
  REQUIRE_EXIT(results, 0);
  BOOST_TEST(contains(results.out, "Which song next?"), results.describe());
  const json polls = cli.json({"poll", "results", id});
  const json& list = polls.contains("polls") ? polls["polls"] : polls;
  BOOST_TEST_REQUIRE(list.size() == 1, polls.dump(2));
  BOOST_TEST(list[0]["votes"] == json({0, 1, 0}), polls.dump(2));
  BOOST_TEST(list[0]["total"] == 1, polls.dump(2));
}
