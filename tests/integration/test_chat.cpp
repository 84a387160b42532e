// The chatroom of a live on a real daemon, from the outside (issue 9, items 2-5; documented
// in man/bvlive.1 and man/bvlived.toml.5):
// viewers post with POST /live/ID/chat and read GET /live/ID/interaction as a page does
// (each HttpClient is one browser context, with its own bvlive_device cookie); every
// event stream of the live gets each message as it is posted; the host posts, reads and
// deletes with `bvlive chat`. Refusals carry their status and a reason and keep nothing;
// a device that posts too fast is told when to come back; messages survive a restart;
// the room closes when the live ends and stays readable; a token live needs its token.
#define BOOST_TEST_MODULE chat
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdio>
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

// A create body with the live chatroom on (dark) and, when `vod_theme` is given, the VOD one.
json chat_body(const std::string& name, bool live_room = true, const std::string& vod_theme = "") {
  json body = {{"name", name}, {"interaction", {{"chatroom", json::object()}}}};
  if (live_room) body["interaction"]["chatroom"]["live"] = {{"enabled", true}, {"theme", "CHATROOM_THEME_DARK"}};
  if (!vod_theme.empty()) body["interaction"]["chatroom"]["vod"] = {{"enabled", true}, {"theme", vod_theme}};
  return body;
}

std::string post_body(const std::string& name, const std::string& text) {
  return json{{"name", name}, {"text", text}}.dump();
}

// The next event named `name` within `timeout`, skipping the others (status changes).
std::optional<json> next_event(EventStream& stream, const std::string& name, Ms timeout = 5s) {
  return stream.next_json(name, timeout);
}

// The messages of the live as a page sees them after GET /live/ID/interaction.
json messages_of(HttpClient& viewer, const std::string& id) {
  const HttpResponse r = viewer.get("/live/" + id + "/interaction");
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  return r.json()["chat"]["messages"];
}

std::vector<std::string> texts_of(const json& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages) out.push_back(m["text"].get<std::string>());
  return out;
}

// "#12 00:31:02 Ann: hi": the `bvlive chat` line of a message.
const std::regex kChatLine(R"(^#(\d+) (\d\d):(\d\d):(\d\d) (.+?): (.*)$)");

struct ChatFixture {
  explicit ChatFixture(const std::string& config = "") : daemon(start_daemon(dir, config)) {}
  TempDir dir{"bvlive-chat"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);

  // Creates a live from a JSON body (and flags); returns its id.
  std::string create(const json& body, const std::vector<std::string>& flags = {}) {
    std::vector<std::string> args{"-q", "create", "-f", "-"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult r = cli.run_stdin(body.dump(), args);
    REQUIRE_EXIT(r, 0);
    return first_line(r.out);
  }

  // A new browser context that has opened the live's interaction (and so has its device cookie).
  HttpClient viewer(const std::string& id, const std::string& query = "") {
    HttpClient v(ports.http, query);
    const HttpResponse r = v.get("/live/" + id + "/interaction");
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    const auto device = v.cookie("bvlive_device");
    BOOST_TEST_REQUIRE(device.has_value(), "GET /live/ID/interaction set no bvlive_device cookie" << r.describe());
    BOOST_TEST(std::regex_match(*device, std::regex("[0-9a-f]{32}")), "device id: " << *device);
    return v;
  }

  // A post that must be accepted; returns the message.
  json post_ok(HttpClient& viewer, const std::string& id, const std::string& name, const std::string& text) {
    const HttpResponse r = viewer.post_json("/live/" + id + "/chat", post_body(name, text));
    BOOST_TEST_REQUIRE(r.status == 201, "POST /live/" << id << "/chat " << post_body(name, text) << r.describe());
    BOOST_TEST(contains(r.header("content-type"), "application/json"), r.describe());
    return r.json()["message"];
  }

  void restart() {
    const int rc = daemon->stop();
    BOOST_TEST_REQUIRE(rc == 0, "bvlived exited with " << rc << " on SIGTERM; log:\n" << daemon->log());
    daemon->start();
    ports = ports_of(cli);
  }
};

// Burst large enough that the refusal cases never meet the rate limit.
struct UnlimitedChatFixture : ChatFixture {
  UnlimitedChatFixture() : ChatFixture("[chat]\nrate_burst = 1000\n") {}
};

struct ShortHistoryFixture : ChatFixture {
  ShortHistoryFixture() : ChatFixture("[chat]\nhistory = 3\n") {}
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_viewer_posts_and_every_page_of_the_live_gets_it, ChatFixture) {
  const std::string id = create(chat_body("Town hall"));
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  const auto opened = next_event(stream, "status");
  BOOST_TEST_REQUIRE(opened.has_value(), "the stream opened without a status event");
  // Before the start a live is in its live phase: viewers waiting can talk already.
  const json expected_status = {{"phase", "live"},
                                {"chat", {{"enabled", true}, {"theme", "dark"}, {"open", true}}},
                                {"polls_enabled", false}};
  BOOST_TEST((*opened)["interaction"] == expected_status, opened->dump());

  // A page without a device gets one for a year, out of reach of scripts.
  HttpClient fresh(ports.http);
  const HttpResponse first = fresh.get("/live/" + id + "/interaction");
  const std::string set_cookie = first.header("set-cookie");
  BOOST_TEST(contains(set_cookie, "bvlive_device="), first.describe());
  for (const char* attribute : {"Path=/", "HttpOnly", "SameSite=Lax", "Max-Age=31536000"})
    BOOST_TEST(contains(set_cookie, attribute), "Set-Cookie lacks " << attribute << first.describe());

  HttpClient ann = viewer(id);
  const HttpResponse empty = ann.get("/live/" + id + "/interaction");
  const json room = empty.json();
  BOOST_TEST(contains(empty.header("content-type"), "application/json"), empty.describe());
  BOOST_TEST(room["phase"] == "live", room.dump());
  BOOST_TEST(room["chat"]["enabled"] == true, room.dump());
  BOOST_TEST(room["chat"]["theme"] == "dark", room.dump());
  BOOST_TEST(room["chat"]["open"] == true, room.dump());
  BOOST_TEST(room["chat"]["reason"] == "", room.dump());
  BOOST_TEST(room["chat"]["max_length"] == 500, room.dump());
  BOOST_TEST(room["chat"]["messages"] == json::array(), room.dump());
  BOOST_TEST(room["polls_enabled"] == false, room.dump());
  BOOST_TEST(room["polls"] == json::array(), room.dump());
  // A page that already has its device keeps it: no new cookie.
  BOOST_TEST(!empty.cookie("bvlive_device").has_value(), empty.describe());

  const std::int64_t before = now_ms();
  const json m = post_ok(ann, id, "Ann", "hi");
  const std::int64_t after = now_ms();
  BOOST_TEST(m["id"].is_number_integer(), m.dump());
  BOOST_TEST(m["name"] == "Ann", m.dump());
  BOOST_TEST(m["text"] == "hi", m.dump());
  BOOST_TEST(m["host"] == false, m.dump());
  const std::int64_t at = time_of(m["at"]);
  BOOST_TEST((at >= before - 1000 && at <= after + 1000), "at " << m["at"] << " is not the time of the post");

  const auto pushed = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(pushed.has_value(), "the event stream opened before the post got no chat event");
  BOOST_TEST(*pushed == m);

  // Another viewer opened later sees it in the history, and so does the poster.
  HttpClient bob = viewer(id);
  BOOST_TEST(messages_of(bob, id) == json::array({m}));
  BOOST_TEST(messages_of(ann, id) == json::array({m}));
  BOOST_TEST(*bob.cookie("bvlive_device") != *ann.cookie("bvlive_device"), "two browsers got the same device id");

  // Media type parameters are part of a valid Content-Type (what fetch() with a charset sends).
  const HttpResponse with_charset = bob.post_json("/live/" + id + "/chat", post_body("Bob", "hello"),
                                                  {{"Content-Type", "application/json; charset=utf-8"}});
  BOOST_TEST(with_charset.status == 201, with_charset.describe());
  const auto second = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(second.has_value());
  BOOST_TEST((*second)["text"] == "hello");
  BOOST_TEST((*second)["id"].get<std::int64_t>() > m["id"].get<std::int64_t>(), second->dump());
  BOOST_TEST(texts_of(messages_of(ann, id)) == (std::vector<std::string>{"hi", "hello"}));
}

BOOST_FIXTURE_TEST_CASE(each_live_has_its_own_room, ChatFixture) {
  const std::string a = create(chat_body("Room A"));
  const std::string b = create(chat_body("Room B"));
  EventStream stream_b(ports.http, "/live/" + b + "/events");
  BOOST_TEST_REQUIRE(stream_b.status() == 200, stream_b.head());
  BOOST_TEST_REQUIRE(next_event(stream_b, "status").has_value());
  HttpClient v = viewer(a);
  const json in_a = post_ok(v, a, "Ann", "for room A only");
  const auto leaked = next_event(stream_b, "chat", 1s);
  BOOST_TEST(!leaked.has_value(), "live B's page got live A's message: " << (leaked ? leaked->dump() : ""));
  BOOST_TEST(messages_of(v, b) == json::array());

  // The host cannot remove A's message through B.
  const std::string a_message = std::to_string(in_a["id"].get<std::int64_t>());
  const RunResult wrong_live = cli.run({"chat", b, "--delete", a_message});
  BOOST_TEST(wrong_live.code == 4, wrong_live.describe());
  BOOST_TEST(messages_of(v, a) == json::array({in_a}));
}

BOOST_FIXTURE_TEST_CASE(text_is_kept_and_sent_exactly_as_typed, ChatFixture) {
  const std::string id = create(chat_body("Escapes"));
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient viewer1 = viewer(id);

  const std::string name = "<b>Zoë</b> \"Z\" O'Neil";
  const std::string text =
      "<script>alert(\"x\")</script> &amp; <img src=x onerror='y'> \\ back\\slash 😀👍🏽 日本語 ünïcödé";
  const json m = post_ok(viewer1, id, name, text);
  BOOST_TEST(m["name"] == name);
  BOOST_TEST(m["text"] == text);
  const auto pushed = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(pushed.has_value());
  BOOST_TEST((*pushed)["name"] == name);
  BOOST_TEST((*pushed)["text"] == text);
  const json history = messages_of(viewer1, id);
  BOOST_TEST_REQUIRE(history.size() == 1u, history.dump());
  BOOST_TEST(history[0]["name"] == name);
  BOOST_TEST(history[0]["text"] == text);

  // What the host sees is what the viewer typed as well.
  const RunResult once = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(once, 0);
  BOOST_TEST(contains(once.out, name + ": " + text), once.describe());

  // Leading and trailing blanks are not part of a message.
  const json trimmed = post_ok(viewer1, id, "  Ann  ", "  spaced out  ");
  BOOST_TEST(trimmed["name"] == "Ann", trimmed.dump());
  BOOST_TEST(trimmed["text"] == "spaced out", trimmed.dump());
}

BOOST_FIXTURE_TEST_CASE(refused_posts_say_why_and_keep_nothing, UnlimitedChatFixture) {
  const std::string id = create(chat_body("Refusals"));
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  BOOST_TEST_REQUIRE(next_event(stream, "status").has_value());
  HttpClient v = viewer(id);
  const std::string path = "/live/" + id + "/chat";

  // Each refusal: its status, a one-line text/plain reason with one of `words` in it.
  auto refused = [&](const HttpResponse& r, int status, const std::vector<std::string>& words, const std::string& what) {
    BOOST_TEST(r.status == status, what << r.describe());
    BOOST_TEST(contains(r.header("content-type"), "text/plain"), what << r.describe());
    std::string reason = r.body;
    while (!reason.empty() && reason.back() == '\n') reason.pop_back();
    BOOST_TEST(!reason.empty(), what << ": no reason" << r.describe());
    BOOST_TEST(!contains(reason, "\n"), what << ": the reason is not one line" << r.describe());
    BOOST_TEST(mentions(reason, words), what << ": the reason does not say why" << r.describe());
  };

  const std::string max_ascii(500, 'a');
  std::string max_multibyte;  // 500 characters of 2 and 4 bytes (1500 bytes)
  for (int i = 0; i < 250; ++i) max_multibyte += "é😀";
  const std::string over_multibyte = max_multibyte + "é";

  refused(v.post_json(path, "hello there"), 400, {"json"}, "not JSON");
  refused(v.post_json(path, "{\"name\": \"Ann\", \"text\": "), 400, {"json"}, "truncated JSON");
  refused(v.post_json(path, "[\"Ann\", \"hi\"]"), 400, {"object", "name", "text", "json"}, "JSON that is no object");
  refused(v.post_json(path, json{{"text", "hi"}}.dump()), 400, {"name"}, "no name");
  refused(v.post_json(path, post_body("   ", "hi")), 400, {"name"}, "a blank name");
  refused(v.post_json(path, json{{"name", "Ann"}}.dump()), 400, {"text", "message"}, "no text");
  refused(v.post_json(path, post_body("Ann", "    ")), 400, {"text", "empty", "message"}, "blank text");
  refused(v.post_json(path, json{{"name", "Ann"}, {"text", 42}}.dump()), 400, {"text", "string"}, "text not a string");
  refused(v.post_json(path, post_body(std::string(41, 'n'), "hi")), 400, {"40"}, "a name of 41 characters");
  refused(v.post_json(path, post_body("Ann", max_ascii + "a")), 400, {"500"}, "501 characters");
  refused(v.post_json(path, post_body("Ann", over_multibyte)), 400, {"500"}, "501 multi-byte characters");
  refused(v.post_json(path, post_body("Ann", "bell\u0007here")), 400, {"control"}, "a control character");
  refused(v.post_json(path, post_body("Ann", "two\nlines")), 400, {"control", "line"}, "a newline");
  refused(v.post_json(path, post_body("A\u001bnn", "hi")), 400, {"control"}, "a control character in the name");
  refused(v.post_json(path, "{\"name\": \"Ann\", \"text\": \"nul\\u0000here\"}"), 400, {"control"}, "a NUL");
  refused(v.post_json(path, post_body("Ann", "hi"), {{"Content-Type", "text/plain"}}), 415, {"application/json"},
          "text/plain");
  refused(v.post_json(path, post_body("Ann", "hi"), {{"Content-Type", "application/x-www-form-urlencoded"}}), 415,
          {"application/json"}, "a form");
  {
    HttpRequest no_type;
    no_type.method = "POST";
    no_type.target = path;
    no_type.body = post_body("Ann", "hi");
    refused(v.send(no_type), 415, {"application/json"}, "no Content-Type");
  }
  refused(v.post_json(path, "{\"name\": \"Ann\", \"text\": \"\xff\xfe\"}"), 400, {"json", "utf-8", "utf8"},
          "text that is not UTF-8");
  refused(v.post_json(path, post_body("Ann", std::string(9000, 'x'))), 413, {"8 kib", "8192", "8 k", "too large", "large"},
          "a 9000-byte body");
  // One byte over 8 KiB (JSON whitespace makes up the size), and far over.
  const std::string small = post_body("Ann", "exactly 8 KiB");
  const std::string over_8k = small.substr(0, small.size() - 1) + std::string(8193 - small.size(), ' ') + "}";
  BOOST_TEST_REQUIRE(over_8k.size() == 8193u);
  refused(v.post_json(path, over_8k), 413, {"8192", "8 kib", "large"}, "an 8193-byte body");
  refused(v.post_json(path, post_body("Ann", std::string(2 << 20, 'x'))), 413, {"bytes", "large"}, "a 2 MiB body");

  // Nothing of that was kept or sent.
  BOOST_TEST(messages_of(v, id) == json::array());
  const auto stray = next_event(stream, "chat", 500ms);
  BOOST_TEST(!stray.has_value(), "a refused post was sent: " << (stray ? stray->dump() : ""));

  // The limits themselves pass: 40-character names, 500 characters of any width.
  const json at_limit = post_ok(v, id, std::string(40, 'n'), max_ascii);
  BOOST_TEST(at_limit["text"] == max_ascii);
  const json multibyte = post_ok(v, id, "Ann", max_multibyte);
  BOOST_TEST(multibyte["text"] == max_multibyte);
  const std::string exactly_8k = over_8k.substr(0, 8191) + "}";
  const HttpResponse at_8k = v.post_json(path, exactly_8k);
  BOOST_TEST(at_8k.status == 201, "a body of exactly 8192 bytes" << at_8k.describe());
  BOOST_TEST(texts_of(messages_of(v, id)) == (std::vector<std::string>{max_ascii, max_multibyte, "exactly 8 KiB"}));
}

BOOST_FIXTURE_TEST_CASE(a_room_that_is_not_enabled_or_a_live_that_does_not_exist_refuses, ChatFixture) {
  const std::string quiet = create({{"name", "No chat"}});
  HttpClient v = viewer(quiet);
  const json room = v.get("/live/" + quiet + "/interaction").json();
  BOOST_TEST(room["chat"]["enabled"] == false, room.dump());
  BOOST_TEST(room["chat"]["open"] == false, room.dump());
  BOOST_TEST(room["chat"]["reason"] != "", room.dump());
  const HttpResponse r = v.post_json("/live/" + quiet + "/chat", post_body("Ann", "hi"));
  BOOST_TEST(r.status == 403, r.describe());
  BOOST_TEST(mentions(r.body, {"not enabled", "disabled"}), r.describe());
  BOOST_TEST(messages_of(v, quiet) == json::array());

  // Only the VOD room enabled: the live phase has no room to post in.
  const std::string vod_only = create(chat_body("VOD chat only", false, "CHATROOM_THEME_LIGHT"));
  const HttpResponse live_phase = v.post_json("/live/" + vod_only + "/chat", post_body("Ann", "hi"));
  BOOST_TEST(live_phase.status == 403, live_phase.describe());

  // The host is refused the same way.
  const RunResult send = cli.run({"chat", quiet, "--send", "hello"});
  BOOST_TEST(send.code != 0, send.describe());
  BOOST_TEST(mentions(send.err, {"not enabled"}), send.describe());

  const HttpResponse unknown = v.post_json("/live/nosuchlive/chat", post_body("Ann", "hi"));
  BOOST_TEST(unknown.status == 404, unknown.describe());
  BOOST_TEST(v.get("/live/nosuchlive/interaction").status == 404);
  const RunResult cli_unknown = cli.run({"chat", "nosuchlive", "--once"});
  BOOST_TEST(cli_unknown.code == 4, cli_unknown.describe());
}

BOOST_FIXTURE_TEST_CASE(a_device_that_posts_too_fast_waits_and_the_others_do_not, ChatFixture) {
  const std::string id = create(chat_body("Busy room"));
  HttpClient fast = viewer(id);
  HttpClient other = viewer(id);
  for (int i = 1; i <= 5; ++i) post_ok(fast, id, "Fast", "message " + std::to_string(i));
  const HttpResponse sixth = fast.post_json("/live/" + id + "/chat", post_body("Fast", "message 6"));
  BOOST_TEST_REQUIRE(sixth.status == 429, sixth.describe());
  const std::string retry_after = sixth.header("retry-after");
  BOOST_TEST_REQUIRE(std::regex_match(retry_after, std::regex("[0-9]+")), "Retry-After: '" << retry_after << "'"
                                                                                           << sixth.describe());
  const int wait_s = std::stoi(retry_after);
  BOOST_TEST((wait_s >= 1 && wait_s <= 3), "Retry-After " << wait_s << " with one message per 3 s");
  BOOST_TEST(!sixth.body.empty(), sixth.describe());

  // Another browser on the same machine is not held back by it.
  post_ok(other, id, "Other", "me too");
  BOOST_TEST(texts_of(messages_of(other, id)) ==
             (std::vector<std::string>{"message 1", "message 2", "message 3", "message 4", "message 5", "me too"}));

  // Once Retry-After has passed, the fast one may post again.
  sleep_for(std::chrono::seconds(wait_s) + 100ms);
  post_ok(fast, id, "Fast", "message 6, later");
  BOOST_TEST(texts_of(messages_of(other, id)).back() == "message 6, later");
}

BOOST_FIXTURE_TEST_CASE(a_client_that_makes_up_a_new_device_for_every_post_is_still_held_back, ChatFixture) {
  const std::string id = create(chat_body("Spam"));
  // A script that forges a fresh bvlive_device cookie for every post, from one address: the
  // address's own allowance stops it (well before 100 posts in a row).
  int accepted = 0;
  HttpResponse last;
  for (int i = 0; i < 100; ++i) {
    char device[33];
    std::snprintf(device, sizeof device, "%032x", i + 1);
    last = http_post_json(ports.http, "/live/" + id + "/chat", post_body("Spam", "spam " + std::to_string(i)),
                          {{"Cookie", std::string("bvlive_device=") + device}});
    if (last.status != 201) break;
    ++accepted;
  }
  BOOST_TEST(last.status == 429, "after " << accepted << " posts" << last.describe());
  BOOST_TEST(!last.header("retry-after").empty(), last.describe());
  HttpClient reader(ports.http);
  BOOST_TEST(messages_of(reader, id).size() == static_cast<std::size_t>(accepted));

  // Without any cookie a script is one device: its address.
  const std::string other = create(chat_body("Cookieless"));
  int cookieless = 0;
  for (int i = 0; i < 100 && (last = http_post_json(ports.http, "/live/" + other + "/chat", post_body("Bot", "x"))).status == 201;
       ++i)
    ++cookieless;
  BOOST_TEST(last.status == 429, "after " << cookieless << " posts" << last.describe());
}

BOOST_FIXTURE_TEST_CASE(the_host_turns_the_room_off_and_on_and_pages_follow, ChatFixture) {
  const std::string id = create(chat_body("Switch"));
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  BOOST_TEST_REQUIRE(next_event(stream, "status").has_value());
  HttpClient ann = viewer(id);
  post_ok(ann, id, "Ann", "before");

  REQUIRE_EXIT(cli.run({"update", id, "--chat-live", "off"}), 0);
  auto s = next_event(stream, "status");
  BOOST_TEST_REQUIRE(s.has_value(), "no status event after the room was turned off");
  BOOST_TEST((*s)["interaction"]["chat"]["enabled"] == false, s->dump());
  BOOST_TEST((*s)["interaction"]["chat"]["open"] == false, s->dump());
  const HttpResponse off = ann.post_json("/live/" + id + "/chat", post_body("Ann", "while off"));
  BOOST_TEST(off.status == 403, off.describe());
  BOOST_TEST(contains(off.body, "--chat-live"), "the reason should say how to turn it on" << off.describe());
  // The history is still there for when it comes back.
  BOOST_TEST(texts_of(messages_of(ann, id)) == (std::vector<std::string>{"before"}));

  REQUIRE_EXIT(cli.run({"update", id, "--chat-live", "light"}), 0);
  s = next_event(stream, "status");
  BOOST_TEST_REQUIRE(s.has_value(), "no status event after the room was turned on");
  const json expected = {{"phase", "live"},
                         {"chat", {{"enabled", true}, {"theme", "light"}, {"open", true}}},
                         {"polls_enabled", false}};
  BOOST_TEST((*s)["interaction"] == expected, s->dump());
  post_ok(ann, id, "Ann", "after");
  BOOST_TEST(texts_of(messages_of(ann, id)) == (std::vector<std::string>{"before", "after"}));
}

BOOST_FIXTURE_TEST_CASE(messages_survive_a_restart_and_a_late_joiner_gets_them_oldest_first, ChatFixture) {
  const std::string id = create(chat_body("Restart"));
  HttpClient ann = viewer(id);
  HttpClient bob = viewer(id);
  json expected = json::array();
  expected.push_back(post_ok(ann, id, "Ann", "first"));
  expected.push_back(post_ok(bob, id, "Bob", "second 👋"));
  const RunResult host = cli.run({"-q", "chat", id, "--send", "welcome back"});
  REQUIRE_EXIT(host, 0);
  expected.push_back(post_ok(ann, id, "Ann", "third"));
  const json removed = post_ok(bob, id, "Bob", "a message the host removes");
  REQUIRE_EXIT(cli.run({"chat", id, "--delete", std::to_string(removed["id"].get<std::int64_t>())}), 0);
  BOOST_TEST_REQUIRE(messages_of(ann, id).size() == 3u + 1u);

  restart();
  HttpClient late(ports.http);
  const HttpResponse r = late.get("/live/" + id + "/interaction");
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  const json messages = r.json()["chat"]["messages"];
  BOOST_TEST_REQUIRE(messages.size() == 4u, messages.dump());
  BOOST_TEST(messages[0] == expected[0]);
  BOOST_TEST(messages[1] == expected[1]);
  BOOST_TEST(messages[2]["text"] == "welcome back");
  BOOST_TEST(messages[2]["host"] == true);
  BOOST_TEST(messages[2]["id"] == std::stoll(first_line(host.out)), host.describe());
  BOOST_TEST(messages[3] == expected[2]);

  // What a 201 acknowledged is on disk: it survives a kill -9 right after.
  HttpClient dora = viewer(id);
  const json durable = post_ok(dora, id, "Dora", "acknowledged, then kill -9");
  daemon->kill9();
  daemon->start();
  ports = ports_of(cli);
  dora.set_port(ports.http);
  BOOST_TEST(messages_of(dora, id).back() == durable);

  // Ids keep increasing after the restart.
  HttpClient carl = viewer(id);
  const json next = post_ok(carl, id, "Carl", "after the restart");
  // (Not even the deleted last one's id comes back: a page may still hold it.)
  BOOST_TEST(next["id"].get<std::int64_t>() > removed["id"].get<std::int64_t>(), next.dump());
  BOOST_TEST(!contains(messages_of(carl, id).dump(), "a message the host removes"));
}

BOOST_FIXTURE_TEST_CASE(a_page_gets_the_last_100_messages_by_default, UnlimitedChatFixture) {
  const std::string id = create(chat_body("Long memory"));
  HttpClient v = viewer(id);
  for (int i = 1; i <= 101; ++i) post_ok(v, id, "Ann", "message " + std::to_string(i));
  const std::vector<std::string> texts = texts_of(messages_of(v, id));
  BOOST_TEST_REQUIRE(texts.size() == 100u);
  BOOST_TEST(texts.front() == "message 2");
  BOOST_TEST(texts.back() == "message 101");
}

BOOST_FIXTURE_TEST_CASE(a_late_joiner_gets_the_last_history_messages, ShortHistoryFixture) {
  const std::string id = create(chat_body("Short memory"));
  HttpClient v = viewer(id);
  for (const char* text : {"one", "two", "three", "four"}) post_ok(v, id, "Ann", text);
  HttpClient late = viewer(id);
  BOOST_TEST(texts_of(messages_of(late, id)) == (std::vector<std::string>{"two", "three", "four"}));
}

BOOST_FIXTURE_TEST_CASE(the_host_posts_reads_and_deletes_with_bvlive_chat, ChatFixture) {
  const std::string id = create(chat_body("Hosted"), {"--custom-id", "hosted"});
  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient ann = viewer(id);
  const json hi = post_ok(ann, id, "Ann", "hi");
  BOOST_TEST_REQUIRE(next_event(stream, "chat").has_value());

  // --send prints the new message's id; viewers get it as a host message.
  const RunResult sent = cli.run({"chat", "hosted", "--send", "welcome"});
  REQUIRE_EXIT(sent, 0);
  const auto host_msg = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(host_msg.has_value(), "the host's message did not reach the page");
  BOOST_TEST((*host_msg)["host"] == true, host_msg->dump());
  BOOST_TEST((*host_msg)["name"] == "Host", host_msg->dump());
  BOOST_TEST((*host_msg)["text"] == "welcome", host_msg->dump());
  const std::string host_id = std::to_string((*host_msg)["id"].get<std::int64_t>());
  BOOST_TEST(contains(sent.out, host_id), "--send should print the id " << host_id << sent.describe());
  const RunResult quiet = cli.run({"-q", "chat", id, "--send", "from the desk", "--name", "Pastor Jo"});
  REQUIRE_EXIT(quiet, 0);
  const auto named = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(named.has_value());
  BOOST_TEST((*named)["name"] == "Pastor Jo", named->dump());
  BOOST_TEST((*named)["host"] == true, named->dump());
  BOOST_TEST(first_line(quiet.out) == std::to_string((*named)["id"].get<std::int64_t>()), quiet.describe());
  const json sent_json = cli.json({"chat", id, "--send", "json too"});
  BOOST_TEST(sent_json["message"]["text"] == "json too", sent_json.dump());
  BOOST_TEST(sent_json["message"]["host"] == true, sent_json.dump());
  BOOST_TEST_REQUIRE(next_event(stream, "chat").has_value());

  // --once prints the history, one line per message, oldest first, and exits.
  RunResult once = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(once, 0);
  std::vector<std::string> lines = lines_of(once.out);
  BOOST_TEST_REQUIRE(lines.size() == 4u, once.describe());
  std::smatch match;
  BOOST_TEST_REQUIRE(std::regex_match(lines[0], match, kChatLine), lines[0]);
  BOOST_TEST(match[1] == std::to_string(hi["id"].get<std::int64_t>()));
  BOOST_TEST(match[5] == "Ann");
  BOOST_TEST(match[6] == "hi");
  BOOST_TEST_REQUIRE(std::regex_match(lines[1], match, kChatLine), lines[1]);
  BOOST_TEST(match[1] == host_id);
  BOOST_TEST(match[5] == "Host (host)");
  BOOST_TEST(match[6] == "welcome");
  BOOST_TEST(contains(lines[2], "Pastor Jo (host): from the desk"), lines[2]);
  const json listed = cli.json({"chat", id, "--once"});
  BOOST_TEST_REQUIRE(listed["messages"].size() == 4u, listed.dump());
  BOOST_TEST(listed["messages"][0] == hi);
  BOOST_TEST(listed["room"]["open"] == true, listed.dump());

  // --delete: gone from the pages, from the history and from --once.
  const RunResult deleted = cli.run({"chat", id, "--delete", std::to_string(hi["id"].get<std::int64_t>())});
  REQUIRE_EXIT(deleted, 0);
  const auto removal = next_event(stream, "chat_delete");
  BOOST_TEST_REQUIRE(removal.has_value(), "the page was not told to remove the message");
  BOOST_TEST(*removal == (json{{"id", hi["id"]}}));
  const json left = messages_of(ann, id);
  BOOST_TEST(left.size() == 3u, left.dump());
  for (const auto& m : left) BOOST_TEST(m["id"] != hi["id"], left.dump());
  once = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(once, 0);
  BOOST_TEST(!contains(once.out, "#" + std::to_string(hi["id"].get<std::int64_t>()) + " "), once.describe());
  BOOST_TEST(lines_of(once.out).size() == 3u, once.describe());

  // Deleting what is not there (again, or never was) says so and fails.
  const RunResult again = cli.run({"chat", id, "--delete", std::to_string(hi["id"].get<std::int64_t>())});
  BOOST_TEST(again.code != 0, again.describe());
  const RunResult unknown = cli.run({"chat", id, "--delete", "987654"});
  BOOST_TEST(unknown.code == 4, unknown.describe());
  BOOST_TEST(contains(unknown.err, "987654"), "the error should name the message" << unknown.describe());
  BOOST_TEST(lines_of(cli.run({"chat", id, "--once"}).out).size() == 3u);
}

BOOST_FIXTURE_TEST_CASE(bvlive_chat_follows_new_messages_until_ctrl_c, ChatFixture) {
  const std::string id = create(chat_body("Followed"));
  HttpClient ann = viewer(id);
  post_ok(ann, id, "Ann", "before the follower");
  BackgroundProcess follower({BVLIVE_BIN, "--socket", daemon->socket(), "chat", id}, dir / "follower.log");
  BackgroundProcess json_follower({BVLIVE_BIN, "--socket", daemon->socket(), "--json", "chat", id},
                                  dir / "json-follower.log");
  const bool history = poll_until([&] { return contains(follower.log(), "Ann: before the follower"); }, 10s);
  BOOST_TEST_REQUIRE(history, "bvlive chat did not print the history; its output:\n" << follower.log());
  BOOST_TEST(follower.running(), "bvlive chat should keep following; output:\n" << follower.log());

  post_ok(ann, id, "Ann", "after it started");
  REQUIRE_EXIT(cli.run({"chat", id, "--send", "host line"}), 0);
  const bool followed = poll_until(
      [&] { return contains(follower.log(), "Ann: after it started") && contains(follower.log(), "Host (host): host line"); },
      10s);
  BOOST_TEST(followed, "the follower did not print the new messages; its output:\n" << follower.log());
  // (The log has stderr too: a line that says which room it follows and how to stop.)
  for (const auto& line : lines_of(follower.log()))
    if (line.rfind("#", 0) == 0) BOOST_TEST(std::regex_match(line, kChatLine), "not a chat line: " << line);

  // With --json: one message object per line, for scripts.
  std::vector<json> objects;
  const bool json_followed = poll_until(
      [&] {
        objects.clear();
        for (const auto& line : lines_of(json_follower.log()))
          if (line.rfind("{", 0) == 0) objects.push_back(json::parse(line, nullptr, false));
        return objects.size() >= 3u;
      },
      10s);
  BOOST_TEST_REQUIRE(json_followed, "bvlive --json chat printed no JSON lines:\n" << json_follower.log());
  BOOST_TEST(objects[0]["text"] == "before the follower", objects[0].dump());
  BOOST_TEST(objects[1]["text"] == "after it started", objects[1].dump());
  BOOST_TEST(objects[2]["host"] == true, objects[2].dump());

  // The daemon restarts: the follower waits for it and goes on from where it was.
  restart();
  HttpClient bob = viewer(id);
  post_ok(bob, id, "Bob", "after the restart");
  const bool resumed = poll_until([&] { return contains(follower.log(), "Bob: after the restart"); }, 15s);
  BOOST_TEST(resumed, "the follower did not go on after the daemon restarted; its output:\n" << follower.log());
  BOOST_TEST(follower.running(), follower.log());
  const std::string out = follower.log();
  const auto first = out.find("Ann: after it started");
  BOOST_TEST((first != std::string::npos && out.find("Ann: after it started", first + 1) == std::string::npos),
             "a message was printed twice across the restart:\n" << out);

  const int rc = follower.stop(SIGINT, 5s);
  BOOST_TEST(rc == 0, "bvlive chat should exit 0 on Ctrl-C; output:\n" << follower.log());
  BOOST_TEST(json_follower.stop(SIGINT, 5s) == 0, json_follower.log());
}

BOOST_FIXTURE_TEST_CASE(the_room_closes_when_the_live_ends_and_stays_readable, ChatFixture) {
  const std::string id = create(chat_body("Ending"));
  HttpClient ann = viewer(id);
  post_ok(ann, id, "Ann", "waiting");
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE"));
  post_ok(ann, id, "Ann", "it started");

  EventStream stream(ports.http, "/live/" + id + "/events");
  BOOST_TEST_REQUIRE(next_event(stream, "status").has_value());
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE_END"));
  std::optional<json> status;
  for (auto s = next_event(stream, "status"); s && !status; s = next_event(stream, "status"))
    if ((*s)["state"] == "LIVE_END") status = s;
  BOOST_TEST_REQUIRE(status.has_value(), "no LIVE_END status event");
  const json expected = {{"phase", nullptr},
                         {"chat", {{"enabled", true}, {"theme", "dark"}, {"open", false}}},
                         {"polls_enabled", false}};
  BOOST_TEST((*status)["interaction"] == expected, status->dump());

  const HttpResponse late = ann.post_json("/live/" + id + "/chat", post_body("Ann", "too late"));
  BOOST_TEST(late.status == 403, late.describe());
  BOOST_TEST(mentions(late.body, {"ended"}), late.describe());
  const RunResult host = cli.run({"chat", id, "--send", "too late"});
  BOOST_TEST(host.code != 0, host.describe());
  BOOST_TEST(mentions(host.err, {"ended"}), host.describe());

  const json room = ann.get("/live/" + id + "/interaction").json();
  BOOST_TEST(room["phase"].is_null(), room.dump());
  BOOST_TEST(room["chat"]["open"] == false, room.dump());
  BOOST_TEST(mentions(room["chat"]["reason"].get<std::string>(), {"ended"}), room.dump());
  BOOST_TEST(texts_of(room["chat"]["messages"]) == (std::vector<std::string>{"waiting", "it started"}));
  const RunResult once = cli.run({"chat", id, "--once"});
  REQUIRE_EXIT(once, 0);
  BOOST_TEST(contains(once.out, "Ann: it started"), once.describe());
}

BOOST_FIXTURE_TEST_CASE(the_vod_room_opens_while_the_vod_plays, ChatFixture) {
  // A VOD window a few seconds after the end: LIVE -> ENCODING -> VOD_READY -> VOD -> LIVE_END.
  const std::string vod_start = rfc3339_in(3s), vod_end = rfc3339_in(10s);
  const std::string id = create(chat_body("With replay", true, "CHATROOM_THEME_LIGHT"),
                                {"--live-vod", "catchup", "--vod-start", vod_start, "--vod-end", vod_end});
  HttpClient ann = viewer(id);
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  post_ok(ann, id, "Ann", "during the live");
  REQUIRE_EXIT(cli.run({"end", id}), 0);

  // Between the end and the VOD (ENCODING, VOD_READY) the room is read-only. States only move
  // on, so a post made while the live is still before VOD afterwards was made before it.
  const HttpResponse between = ann.post_json("/live/" + id + "/chat", post_body("Ann", "between"));
  const std::string state_after = state_of(cli, id);
  if (state_after == "ENCODING" || state_after == "VOD_READY")
    BOOST_TEST(between.status == 403, between.describe());
  else
    BOOST_TEST_MESSAGE("the VOD began before the post between: that check is skipped (state " << state_after << ")");
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "VOD", 12s), "state is " << state_of(cli, id));
  const json room = ann.get("/live/" + id + "/interaction").json();
  BOOST_TEST(room["phase"] == "vod", room.dump());
  BOOST_TEST(room["chat"]["theme"] == "light", room.dump());
  BOOST_TEST(room["chat"]["open"] == true, room.dump());
  post_ok(ann, id, "Ann", "watching the replay");

  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE_END", 12s), "state is " << state_of(cli, id));
  const HttpResponse after = ann.post_json("/live/" + id + "/chat", post_body("Ann", "after"));
  BOOST_TEST(after.status == 403, after.describe());
  const json history = messages_of(ann, id);
  BOOST_TEST(contains(history.dump(), "watching the replay"), history.dump());
}

BOOST_FIXTURE_TEST_CASE(a_token_live_needs_its_token_to_read_or_post, ChatFixture) {
  const std::string id = create(chat_body("Members"), {"--privacy", "token"});
  HttpClient stranger(ports.http);
  const HttpResponse read = stranger.get("/live/" + id + "/interaction");
  BOOST_TEST((read.status == 401 || read.status == 403), read.describe());
  BOOST_TEST(!contains(read.body, "messages"), read.describe());
  const HttpResponse post = stranger.post_json("/live/" + id + "/chat", post_body("Eve", "let me in"));
  BOOST_TEST((post.status == 401 || post.status == 403), post.describe());
  const HttpResponse wrong = stranger.post_json("/live/" + id + "/chat?token=not-a-token", post_body("Eve", "still"));
  BOOST_TEST((wrong.status == 401 || wrong.status == 403), wrong.describe());

  const RunResult token = cli.run({"-q", "token", id});
  REQUIRE_EXIT(token, 0);
  const std::string query = "token=" + first_line(token.out);
  EventStream stream(ports.http, "/live/" + id + "/events?" + query);
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  HttpClient member = viewer(id, query);
  const json m = post_ok(member, id, "Member", "hello members");
  const auto pushed = next_event(stream, "chat");
  BOOST_TEST_REQUIRE(pushed.has_value());
  BOOST_TEST(*pushed == m);
  // Only the member's message was kept.
  BOOST_TEST(texts_of(messages_of(member, id)) == (std::vector<std::string>{"hello members"}));
}
