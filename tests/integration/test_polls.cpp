// Polls of a live on a real daemon, from the outside (issue 9, items 2-5; documented in
// man/bvlive.1): the host creates, closes and reads polls with
// `bvlive poll`; viewers see them in GET /live/ID/interaction and vote with
// POST /live/ID/polls/POLL_ID/vote, once per device (the bvlive_device cookie each
// browser context gets); every event stream of the live follows the counts. Bad votes
// are refused with their status and a reason and count nothing; a closed poll keeps its
// results; polls and votes survive a restart.
#define BOOST_TEST_MODULE polls
#include <boost/test/unit_test.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/event_stream.hpp"
#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

json poll_body(const std::string& name, bool polls = true) {
  return {{"name", name}, {"interaction", {{"poll_enabled", polls}}}};
}

// The `poll` event of poll `id` that satisfies `wanted`, skipping the others (earlier
// counts, status events), or nothing within `timeout`. Counts are coalesced, so a page
// may see only the latest of several votes: wait for the state, not for each step.
std::optional<json> poll_event(EventStream& stream, std::int64_t id, const std::function<bool(const json&)>& wanted,
                               Ms timeout = 5s) {
  return stream.next_json("poll", timeout, [&](const json& p) { return p["id"] == id && wanted(p); });
}

struct PollFixture {
  TempDir dir{"bvlive-polls"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);

  std::string create(const json& body) {
    const RunResult r = cli.run_stdin(body.dump(), {"-q", "create", "-f", "-"});
    REQUIRE_EXIT(r, 0);
    return first_line(r.out);
  }

  // `bvlive -q poll create ID QUESTION OPTION...` -> the poll id.
  std::int64_t create_poll(const std::string& id, const std::string& question, const std::vector<std::string>& options) {
    std::vector<std::string> args{"-q", "poll", "create", id, question};
    args.insert(args.end(), options.begin(), options.end());
    const RunResult r = cli.run(args);
    REQUIRE_EXIT(r, 0);
    BOOST_TEST_REQUIRE(std::regex_match(first_line(r.out), std::regex("[0-9]+")), "-q should print the poll id"
                                                                                     << r.describe());
    return std::stoll(first_line(r.out));
  }

  // A browser context that has opened the live's interaction, so has its device cookie.
  HttpClient viewer(const std::string& id) {
    HttpClient v(ports.http);
    const HttpResponse r = v.get("/live/" + id + "/interaction");
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    BOOST_TEST_REQUIRE(v.cookie("bvlive_device").has_value(), "no bvlive_device cookie" << r.describe());
    return v;
  }

  HttpResponse vote(HttpClient& v, const std::string& id, std::int64_t poll, const json& option) {
    return v.post_json("/live/" + id + "/polls/" + std::to_string(poll) + "/vote", json{{"option", option}}.dump());
  }

  // Poll `poll` as this viewer sees it in GET /live/ID/interaction (with its `voted`).
  json poll_seen_by(HttpClient& v, const std::string& id, std::int64_t poll) {
    const HttpResponse r = v.get("/live/" + id + "/interaction");
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    const json polls = r.json()["polls"];
    for (const auto& p : polls)
      if (p["id"] == poll) return p;
    BOOST_FAIL("poll " << poll << " is not in the interaction of live " << id << ": " << r.body);
    return {};
  }

  // `bvlive poll results ID [POLL] --json` -> the polls it shows.
  json results_json(const std::string& id, const std::string& poll = "") {
    std::vector<std::string> args{"poll", "results", id};
    if (!poll.empty()) args.push_back(poll);
    const json j = cli.json(args);
    if (j.contains("polls")) return j["polls"];
    if (j.contains("poll")) return json::array({j["poll"]});
    BOOST_FAIL("poll results --json has neither polls nor poll: " << j.dump());
    return {};
  }

  void restart() {
    const int rc = daemon->stop();
    BOOST_TEST_REQUIRE(rc == 0, "bvlived exited with " << rc << " on SIGTERM; log:\n" << daemon->log());
    daemon->start();
    ports = ports_of(cli);
  }
};

const std::vector<std::string> kFruit{"Apples", "Bananas", "Cherries"};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_host_creates_a_poll_and_every_page_gets_it, PollFixture) {
  const std::string id = create(poll_body("Quiz"));
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient v = viewer(id);
  BOOST_TEST(v.get("/live/" + id + "/interaction").json()["polls_enabled"] == true);

  std::vector<std::string> args{"poll", "create", id, "Best fruit?"};
  args.insert(args.end(), kFruit.begin(), kFruit.end());
  const RunResult created = cli.run(args);
  REQUIRE_EXIT(created, 0);

  const HttpResponse r = v.get("/live/" + id + "/interaction");
  const json polls = r.json()["polls"];
  BOOST_TEST_REQUIRE(polls.size() == 1u, r.describe());
  const json& p = polls[0];
  const std::int64_t poll_id = p["id"].get<std::int64_t>();
  BOOST_TEST(std::regex_search(created.out, std::regex("\\b" + std::to_string(poll_id) + "\\b")),
             "poll create should print the id " << poll_id << created.describe());
  BOOST_TEST(p["question"] == "Best fruit?");
  BOOST_TEST(p["options"] == json(kFruit));
  BOOST_TEST(p["open"] == true);
  BOOST_TEST(p["votes"] == json::array({0, 0, 0}));
  BOOST_TEST(p["total"] == 0);
  BOOST_TEST(p["voted"].is_null(), p.dump());

  const auto pushed = poll_event(stream, poll_id, [](const json&) { return true; });
  BOOST_TEST_REQUIRE(pushed.has_value(), "the page got no poll event for the new poll");
  BOOST_TEST((*pushed)["question"] == "Best fruit?");
  BOOST_TEST((*pushed)["options"] == json(kFruit));
  BOOST_TEST((*pushed)["open"] == true);
  BOOST_TEST((*pushed)["votes"] == json::array({0, 0, 0}));
  BOOST_TEST((*pushed)["total"] == 0);
  BOOST_TEST(!pushed->contains("voted"), "an event goes to every device, so it has no voted: " << pushed->dump());

  // -q prints only the id; --json the poll; both are listed, oldest first.
  const std::int64_t second = create_poll(id, "Coffee or tea?", {"Coffee", "Tea"});
  BOOST_TEST(second != poll_id);
  const json third = cli.json({"poll", "create", id, "Again?", "Yes", "No"});
  BOOST_TEST(third["poll"]["question"] == "Again?", third.dump());
  const json listed = v.get("/live/" + id + "/interaction").json()["polls"];
  BOOST_TEST_REQUIRE(listed.size() == 3u, listed.dump());
  BOOST_TEST(listed[0]["id"] == poll_id);
  BOOST_TEST(listed[1]["id"] == second);
  BOOST_TEST(listed[2]["id"] == third["poll"]["id"]);
}

BOOST_FIXTURE_TEST_CASE(each_device_votes_once_and_every_page_follows_the_counts, PollFixture) {
  const std::string id = create(poll_body("Vote"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient one = viewer(id);
  HttpClient two = viewer(id);

  const HttpResponse first = vote(one, id, poll, 1);
  BOOST_TEST_REQUIRE(first.status == 200, first.describe());
  BOOST_TEST(contains(first.header("content-type"), "application/json"), first.describe());
  json p = first.json()["poll"];
  BOOST_TEST(p["id"] == poll, p.dump());
  BOOST_TEST(p["votes"] == json::array({0, 1, 0}), p.dump());
  BOOST_TEST(p["total"] == 1, p.dump());
  BOOST_TEST(p["voted"] == 1, p.dump());
  BOOST_TEST(poll_event(stream, poll, [](const json& e) { return e["votes"] == json::array({0, 1, 0}); }).has_value(),
             "the page did not get the first vote");

  // The same device again, for another option: refused, naming its choice; nothing counted.
  const HttpResponse again = vote(one, id, poll, 2);
  BOOST_TEST(again.status == 409, again.describe());
  BOOST_TEST(mentions(again.body, {"Bananas", "option 1", "option 2", "#1", "#2"}),
             "the refusal should name the earlier choice" << again.describe());
  p = poll_seen_by(one, id, poll);
  BOOST_TEST(p["votes"] == json::array({0, 1, 0}), p.dump());
  BOOST_TEST(p["voted"] == 1, p.dump());

  const HttpResponse second = vote(two, id, poll, 0);
  BOOST_TEST_REQUIRE(second.status == 200, second.describe());
  p = second.json()["poll"];
  BOOST_TEST(p["votes"] == json::array({1, 1, 0}), p.dump());
  BOOST_TEST(p["total"] == 2, p.dump());
  BOOST_TEST(p["voted"] == 0, p.dump());
  const auto latest = poll_event(stream, poll, [](const json& e) { return e["votes"] == json::array({1, 1, 0}); });
  BOOST_TEST_REQUIRE(latest.has_value(), "the page did not get the counts [1,1,0]");
  BOOST_TEST((*latest)["total"] == 2);

  // A browser sends its other cookies along: the device is still recognised among them.
  const std::string cookies = "theme=dark; bvlive_device=" + *one.cookie("bvlive_device") + "; session=abc";
  const HttpResponse among = http_post_json(ports.http, "/live/" + id + "/polls/" + std::to_string(poll) + "/vote",
                                            json{{"option", 0}}.dump(), {{"Cookie", cookies}});
  BOOST_TEST(among.status == 409, "the device among other cookies" << among.describe());

  // The viewer page gives a device as well: a vote with that cookie counts.
  HttpClient page(ports.http);
  const HttpResponse watch = page.get("/watch/" + id);
  BOOST_TEST_REQUIRE(watch.status == 200, watch.describe());
  BOOST_TEST_REQUIRE(page.cookie("bvlive_device").has_value(), "GET /watch/ID set no device cookie" << watch.describe());
  const HttpResponse from_page = vote(page, id, poll, 1);
  BOOST_TEST_REQUIRE(from_page.status == 200, from_page.describe());
  BOOST_TEST(from_page.json()["poll"]["votes"] == json::array({1, 2, 0}));
  const auto third = poll_event(stream, poll, [](const json& e) { return e["votes"] == json::array({1, 2, 0}); });
  BOOST_TEST_REQUIRE(third.has_value(), "the page did not get the counts [1,2,0]");

  // Each device sees its own choice; one that has not voted sees none.
  BOOST_TEST(poll_seen_by(one, id, poll)["voted"] == 1);
  BOOST_TEST(poll_seen_by(two, id, poll)["voted"] == 0);
  HttpClient three = viewer(id);
  BOOST_TEST(poll_seen_by(three, id, poll)["voted"].is_null());

  // The host's view: the counts in text and in JSON.
  const RunResult results = cli.run({"poll", "results", id});
  REQUIRE_EXIT(results, 0);
  BOOST_TEST(contains(results.out, "Best fruit?"), results.describe());
  // 1 of 3 (33%) for Apples, 2 of 3 (67% or 66.7%) for Bananas, none for Cherries.
  int option_lines = 0;
  for (const auto& line : lines_of(results.out)) {
    if (contains(line, "Apples")) {
      ++option_lines;
      BOOST_TEST(std::regex_search(line, std::regex("\\b1\\b")), "count 1 missing: " << line);
      BOOST_TEST(contains(line, "33"), "percentage 33 missing: " << line);
    }
    if (contains(line, "Bananas")) {
      ++option_lines;
      BOOST_TEST(std::regex_search(line, std::regex("\\b2\\b")), "count 2 missing: " << line);
      BOOST_TEST((contains(line, "67") || contains(line, "66.7")), "percentage 67 missing: " << line);
    }
    if (contains(line, "Cherries")) {
      ++option_lines;
      BOOST_TEST(std::regex_search(line, std::regex("\\b0\\b")), line);
    }
  }
  BOOST_TEST(option_lines == 3, results.describe());
  json listed = results_json(id);
  BOOST_TEST_REQUIRE(listed.size() == 1u, listed.dump());
  BOOST_TEST(listed[0]["votes"] == json::array({1, 2, 0}), listed.dump());
  BOOST_TEST(listed[0]["total"] == 3, listed.dump());
  listed = results_json(id, std::to_string(poll));
  BOOST_TEST_REQUIRE(listed.size() == 1u, listed.dump());
  BOOST_TEST(listed[0]["votes"] == json::array({1, 2, 0}), listed.dump());
}

BOOST_FIXTURE_TEST_CASE(a_burst_of_votes_ends_with_the_final_counts_on_every_page, PollFixture) {
  const std::string id = create(poll_body("Burst"));
  const std::int64_t poll = create_poll(id, "Coffee or tea?", {"Coffee", "Tea"});
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  // Twelve devices vote as fast as they can; the events are coalesced, but the last one a
  // page gets must have every vote.
  for (int i = 0; i < 12; ++i) {
    HttpClient v = viewer(id);
    BOOST_TEST_REQUIRE(vote(v, id, poll, i % 3 == 0 ? 1 : 0).status == 200);
  }
  const auto final_counts =
      poll_event(stream, poll, [](const json& e) { return e["votes"] == json::array({8, 4}) && e["total"] == 12; });
  BOOST_TEST(final_counts.has_value(), "no poll event with the final counts [8,4]");
  HttpClient late = viewer(id);
  BOOST_TEST(poll_seen_by(late, id, poll)["votes"] == json::array({8, 4}));
}

BOOST_FIXTURE_TEST_CASE(bad_votes_are_refused_and_count_nothing, PollFixture) {
  const std::string id = create(poll_body("Refusals"));
  const std::string other = create(poll_body("Another live"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  const std::int64_t elsewhere = create_poll(other, "Elsewhere?", {"Yes", "No"});
  HttpClient v = viewer(id);
  const std::string path = "/live/" + id + "/polls/" + std::to_string(poll) + "/vote";

  for (const json& option : {json(3), json(-1), json(99), json("1"), json(1.5), json(nullptr)}) {
    const HttpResponse r = vote(v, id, poll, option);
    BOOST_TEST(r.status == 400, "option " << option.dump() << r.describe());
    BOOST_TEST(mentions(r.body, {"option"}), "option " << option.dump() << r.describe());
  }
  const HttpResponse not_json = v.post_json(path, "option=1");
  BOOST_TEST(not_json.status == 400, not_json.describe());
  const HttpResponse no_option = v.post_json(path, "{}");
  BOOST_TEST(no_option.status == 400, no_option.describe());

  // No device: the page was not opened first.
  HttpClient cookieless(ports.http);
  const HttpResponse no_device = cookieless.post_json(path, json{{"option", 1}}.dump());
  BOOST_TEST(no_device.status == 400, no_device.describe());
  BOOST_TEST(contains(no_device.body, "/watch/"), "the reason should say to open /watch/ID first" << no_device.describe());

  // A cookie the daemon could not have given is no device either.
  const HttpResponse forged = http_post_json(ports.http, path, json{{"option", 1}}.dump(), {{"Cookie", "bvlive_device=not-a-device"}});
  BOOST_TEST(forged.status == 400, forged.describe());

  const HttpResponse unknown = vote(v, id, 987654, 0);
  BOOST_TEST(unknown.status == 404, unknown.describe());
  const HttpResponse wrong_live = vote(v, id, elsewhere, 0);
  BOOST_TEST(wrong_live.status == 404, "a poll of another live" << wrong_live.describe());
  const HttpResponse no_live = vote(v, "nosuchlive", poll, 0);
  BOOST_TEST(no_live.status == 404, no_live.describe());

  // None of that counted: this device may still vote, once.
  const json p = poll_seen_by(v, id, poll);
  BOOST_TEST(p["votes"] == json::array({0, 0, 0}), p.dump());
  BOOST_TEST(p["voted"].is_null(), p.dump());
  BOOST_TEST(results_json(other)[0]["votes"] == json::array({0, 0}));
  BOOST_TEST(vote(v, id, poll, 2).status == 200);

  // The host cannot reach another live's poll either.
  const RunResult close_elsewhere = cli.run({"poll", "close", id, std::to_string(elsewhere)});
  BOOST_TEST(close_elsewhere.code == 4, close_elsewhere.describe());
  BOOST_TEST(results_json(other)[0]["open"] == true);
  const RunResult results_elsewhere = cli.run({"poll", "results", id, std::to_string(elsewhere)});
  BOOST_TEST(results_elsewhere.code == 4, results_elsewhere.describe());
}

// A page in another site's iframe gets no cookies: it keeps the `device` that GET
// /live/ID/interaction gave it and sends it back in X-Bvlive-Device, and is still one device.
BOOST_FIXTURE_TEST_CASE(a_page_without_cookies_votes_once_with_its_device_header, PollFixture) {
  const std::string id = create(poll_body("Embedded"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  const std::string interaction = "/live/" + id + "/interaction";
  const std::string path = "/live/" + id + "/polls/" + std::to_string(poll) + "/vote";

  // Without a cookie, every request is a stranger: each gets a new device.
  const HttpResponse first = http_get_at(ports.http, interaction);
  const HttpResponse second = http_get_at(ports.http, interaction);
  BOOST_TEST_REQUIRE(first.status == 200, first.describe());
  const std::string device = first.json()["device"].get<std::string>();
  BOOST_TEST(std::regex_match(device, std::regex("[0-9a-f]{32}")), device);
  BOOST_TEST(second.json()["device"] != device, "a cookieless request got the same device twice");
  BOOST_TEST(first.cookie("bvlive_device").value_or("") == device, first.describe());

  const HttpHeaders as_device{{"X-Bvlive-Device", device}};
  const HttpResponse voted = http_post_json(ports.http, path, json{{"option", 2}}.dump(), as_device);
  BOOST_TEST_REQUIRE(voted.status == 200, voted.describe());
  BOOST_TEST(voted.json()["poll"]["votes"] == json::array({0, 0, 1}), voted.body);
  const HttpResponse again = http_post_json(ports.http, path, json{{"option", 0}}.dump(), as_device);
  BOOST_TEST(again.status == 409, again.describe());
  BOOST_TEST(contains(again.body, "Cherries"), again.describe());

  // The page reads its own choice back with the header, and the cookie wins over it.
  const HttpResponse seen = http_get_at(ports.http, interaction, as_device);
  BOOST_TEST(seen.json()["device"] == device);
  BOOST_TEST(seen.json()["polls"][0]["voted"] == 2, seen.body);
  BOOST_TEST(seen.cookie("bvlive_device").value_or("") == device, "the device is offered as a cookie too");
  HttpClient other = viewer(id);
  const HttpResponse both = other.post_json(path, json{{"option", 1}}.dump(), as_device);
  BOOST_TEST(both.status == 200, "the cookie's device votes, not the header's" << both.describe());

  // A header that is not a device the daemon could have made is no device.
  const HttpResponse forged = http_post_json(ports.http, path, json{{"option", 1}}.dump(), {{"X-Bvlive-Device", "me"}});
  BOOST_TEST(forged.status == 400, forged.describe());
  BOOST_TEST(results_json(id)[0]["votes"] == json::array({0, 1, 1}));
}

BOOST_FIXTURE_TEST_CASE(polls_need_to_be_enabled_and_need_two_to_ten_options, PollFixture) {
  const std::string plain = create(poll_body("No polls", false));
  const RunResult refused = cli.run({"poll", "create", plain, "Best fruit?", "Apples", "Bananas"});
  BOOST_TEST((refused.code == 2 || refused.code == 3), refused.describe());
  BOOST_TEST(mentions(refused.err, {"not enabled"}), refused.describe());
  BOOST_TEST(mentions(refused.err, {"--polls", "poll_enabled"}), "the error should say how to enable them"
                                                                      << refused.describe());
  HttpClient v = viewer(plain);
  const json room = v.get("/live/" + plain + "/interaction").json();
  BOOST_TEST(room["polls_enabled"] == false, room.dump());
  BOOST_TEST(room["polls"] == json::array(), room.dump());

  const std::string id = create(poll_body("Options"));
  const RunResult one = cli.run({"poll", "create", id, "Only one?", "Yes"});
  BOOST_TEST(one.code == 2, one.describe());
  BOOST_TEST(contains(one.err, "2"), "the error should say at least 2 options" << one.describe());
  const RunResult none = cli.run({"poll", "create", id, "No options?"});
  BOOST_TEST(none.code == 2, none.describe());
  std::vector<std::string> eleven{"poll", "create", id, "Eleven?"};
  for (int i = 1; i <= 11; ++i) eleven.push_back("option " + std::to_string(i));
  const RunResult too_many = cli.run(eleven);
  BOOST_TEST(too_many.code == 2, too_many.describe());
  BOOST_TEST(contains(too_many.err, "10"), "the error should say at most 10 options" << too_many.describe());
  const RunResult blank = cli.run({"poll", "create", id, "  ", "Yes", "No"});
  BOOST_TEST(blank.code == 2, blank.describe());
  BOOST_TEST(results_json(id) == json::array(), "a refused poll was created");
  const RunResult unknown_live = cli.run({"poll", "create", "nosuchlive", "Q?", "Yes", "No"});
  BOOST_TEST(unknown_live.code == 4, unknown_live.describe());

  // Polls turned off after a poll was made: it takes no votes.
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  const RunResult off = cli.run_stdin(json{{"interaction", {{"poll_enabled", false}}}}.dump(), {"update", id, "-f", "-"});
  REQUIRE_EXIT(off, 0);
  HttpClient w = viewer(id);
  const HttpResponse r = vote(w, id, poll, 0);
  BOOST_TEST(r.status == 403, r.describe());
  BOOST_TEST(mentions(r.body, {"not enabled"}), r.describe());
}

BOOST_FIXTURE_TEST_CASE(a_closed_poll_takes_no_votes_and_keeps_its_results, PollFixture) {
  const std::string id = create(poll_body("Closing"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  const std::int64_t still_open = create_poll(id, "Coffee or tea?", {"Coffee", "Tea"});
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient one = viewer(id);
  HttpClient two = viewer(id);
  BOOST_TEST_REQUIRE(vote(one, id, poll, 2).status == 200);

  REQUIRE_EXIT(cli.run({"poll", "close", id, std::to_string(poll)}), 0);
  const auto closed = poll_event(stream, poll, [](const json& e) { return e["open"] == false; });
  BOOST_TEST_REQUIRE(closed.has_value(), "the page was not told the poll closed");
  BOOST_TEST((*closed)["votes"] == json::array({0, 0, 1}), closed->dump());

  const HttpResponse late = vote(two, id, poll, 0);
  BOOST_TEST(late.status == 403, late.describe());
  BOOST_TEST(mentions(late.body, {"closed"}), late.describe());
  json p = poll_seen_by(two, id, poll);
  BOOST_TEST(p["open"] == false, p.dump());
  BOOST_TEST(p["votes"] == json::array({0, 0, 1}), p.dump());
  BOOST_TEST(p["voted"].is_null(), p.dump());
  BOOST_TEST(poll_seen_by(one, id, poll)["voted"] == 2);
  const RunResult results = cli.run({"poll", "results", id, std::to_string(poll)});
  REQUIRE_EXIT(results, 0);
  BOOST_TEST(contains(results.out, "Cherries"), results.describe());
  BOOST_TEST(contains(results.out, "100"), results.describe());
  BOOST_TEST(results_json(id, std::to_string(poll))[0]["open"] == false);

  // The other poll is still open.
  BOOST_TEST(vote(two, id, still_open, 1).status == 200);

  const RunResult twice = cli.run({"poll", "close", id, std::to_string(poll)});
  BOOST_TEST(twice.code == 3, twice.describe());
  BOOST_TEST(mentions(twice.err, {"closed"}), twice.describe());
  const RunResult unknown = cli.run({"poll", "close", id, "987654"});
  BOOST_TEST(unknown.code == 4, unknown.describe());
  BOOST_TEST(contains(unknown.err, "987654"), unknown.describe());
}

BOOST_FIXTURE_TEST_CASE(an_ended_live_takes_no_votes_and_keeps_its_results, PollFixture) {
  const std::string id = create(poll_body("Ending"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  HttpClient one = viewer(id);
  HttpClient two = viewer(id);
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  BOOST_TEST_REQUIRE(vote(one, id, poll, 0).status == 200);
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE_END"));

  const HttpResponse late = vote(two, id, poll, 1);
  BOOST_TEST(late.status == 403, late.describe());
  BOOST_TEST(poll_seen_by(two, id, poll)["votes"] == json::array({1, 0, 0}));
  BOOST_TEST(results_json(id)[0]["votes"] == json::array({1, 0, 0}));
  const RunResult create_late = cli.run({"poll", "create", id, "Too late?", "Yes", "No"});
  BOOST_TEST(create_late.code == 3, create_late.describe());
}

BOOST_FIXTURE_TEST_CASE(polls_and_votes_survive_a_restart, PollFixture) {
  const std::string id = create(poll_body("Restart"));
  const std::int64_t poll = create_poll(id, "Best fruit?", kFruit);
  const std::int64_t closed = create_poll(id, "Coffee or tea?", {"Coffee", "Tea"});
  HttpClient one = viewer(id);
  HttpClient two = viewer(id);
  BOOST_TEST_REQUIRE(vote(one, id, poll, 1).status == 200);
  BOOST_TEST_REQUIRE(vote(two, id, poll, 0).status == 200);
  BOOST_TEST_REQUIRE(vote(two, id, closed, 1).status == 200);
  REQUIRE_EXIT(cli.run({"poll", "close", id, std::to_string(closed)}), 0);

  restart();
  one.set_port(ports.http);
  two.set_port(ports.http);
  // A vote acknowledged just before a kill -9 is kept as well.
  HttpClient four = viewer(id);
  BOOST_TEST_REQUIRE(vote(four, id, poll, 1).status == 200);
  daemon->kill9();
  daemon->start();
  ports = ports_of(cli);
  for (HttpClient* v : {&one, &two, &four}) v->set_port(ports.http);
  BOOST_TEST(poll_seen_by(four, id, poll)["voted"] == 1);
  json p = poll_seen_by(one, id, poll);
  BOOST_TEST(p["question"] == "Best fruit?");
  BOOST_TEST(p["options"] == json(kFruit));
  BOOST_TEST(p["open"] == true);
  BOOST_TEST(p["votes"] == json::array({1, 2, 0}), p.dump());
  BOOST_TEST(p["voted"] == 1, p.dump());
  p = poll_seen_by(two, id, closed);
  BOOST_TEST(p["open"] == false, p.dump());
  BOOST_TEST(p["votes"] == json::array({0, 1}), p.dump());
  BOOST_TEST(p["voted"] == 1, p.dump());

  // The devices' votes were kept too: one vote each, still.
  const HttpResponse again = vote(one, id, poll, 2);
  BOOST_TEST(again.status == 409, again.describe());
  HttpClient three = viewer(id);
  const HttpResponse fresh = vote(three, id, poll, 2);
  BOOST_TEST_REQUIRE(fresh.status == 200, fresh.describe());
  BOOST_TEST(fresh.json()["poll"]["votes"] == json::array({1, 2, 1}));
  BOOST_TEST(vote(three, id, closed, 0).status == 403);
  const std::int64_t next = create_poll(id, "After the restart?", {"Yes", "No"});
  BOOST_TEST(next > closed, "poll ids keep increasing after a restart");
}
