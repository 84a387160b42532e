// Chat and polls from the inside: what a post or a poll must be, how fast a client may
// post, which room a live's viewers are in, the device cookie, and what SQLite keeps.
#define BOOST_TEST_MODULE interaction
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/interaction/chat_message.hpp"
#include "core/interaction/poll.hpp"
#include "core/interaction/rate_limiter.hpp"
#include "core/interaction/room_status.hpp"
#include "protocols/http/cookie.hpp"
#include "store/interaction_store.hpp"
#include "store/store.hpp"
#include "util/utf8_text.hpp"

using namespace bvlive;
using namespace bvlive::interaction;
namespace fs = std::filesystem;

namespace {

std::optional<std::string> post(std::string name, std::string text, std::size_t max = 500) {
  return check_post(name, text, ChatLimits{max});
}

LiveRecord live_in(LiveState state) {
  LiveRecord l;
  l.id = "abc123";
  l.state = state;
  l.spec.interaction.chat_live = {true, ChatroomTheme::Dark};
  l.spec.interaction.poll_enabled = true;
  return l;
}

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/bvlive-interaction-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(utf8_counts_characters_not_bytes) {
  BOOST_TEST(utf8::length("abc") == 3u);
  BOOST_TEST(utf8::length("h\xC3\xA9llo") == 5u);            // é
  BOOST_TEST(utf8::length("\xF0\x9F\x8E\x89\xE2\x9C\x93") == 2u);  // 🎉✓
  BOOST_TEST(utf8::trim("  \xC2\xA0 hi there\t\n") == "hi there");
  BOOST_TEST(utf8::trim(" \xC2\xA0 ").empty());
  BOOST_TEST(utf8::has_control("a\nb"));
  BOOST_TEST(utf8::has_control("a\x7F"));
  BOOST_TEST(utf8::has_control("a\xC2\x85"));   // U+0085, next line
  BOOST_TEST(!utf8::has_control("a\xC2\xA0"));  // no-break space is text
  BOOST_TEST(utf8::has_control("abc\xE2\x80\xAEgpj.exe"));  // U+202E right-to-left override
  BOOST_TEST(utf8::has_control("\xE2\x81\xA6x"));           // U+2066 left-to-right isolate
  BOOST_TEST(!utf8::has_control("\xE2\x80\x94 \xE2\x80\xA6"));  // em dash, ellipsis: text
  BOOST_TEST(!utf8::has_control("caf\xC3\xA9 \xF0\x9F\x8E\x89"));
}

BOOST_AUTO_TEST_CASE(a_post_is_trimmed_and_checked) {
  std::string name = "  Ann ", text = " <b>hi</b> & \"you\" ";
  BOOST_TEST(!check_post(name, text, ChatLimits{}));
  BOOST_TEST(name == "Ann");
  BOOST_TEST(text == "<b>hi</b> & \"you\"");  // kept as typed: pages render it as text

  BOOST_TEST(post("", "hi")->find("display name") != std::string::npos);
  BOOST_TEST(post("   ", "hi")->find("display name") != std::string::npos);
  BOOST_TEST(post("Ann", " \t ")->find("empty") != std::string::npos);
  BOOST_TEST(post("Ann", "one\ntwo")->find("control") != std::string::npos);
  BOOST_TEST(post("A\x01nn", "hi")->find("control") != std::string::npos);
  BOOST_TEST(post(std::string(41, 'n'), "hi")->find("at most 40") != std::string::npos);
  BOOST_TEST(!post(std::string(40, 'n'), "hi"));
}

BOOST_AUTO_TEST_CASE(the_length_limit_counts_characters) {
  BOOST_TEST(!post("Ann", std::string(500, 'x')));
  const auto too_long = post("Ann", std::string(501, 'x'));
  BOOST_TEST_REQUIRE(too_long.has_value());
  BOOST_TEST(*too_long == "the message is 501 characters long; at most 500 are allowed");
  std::string accents;
  for (int i = 0; i < 500; ++i) accents += "\xC3\xA9";  // 1000 bytes, 500 characters
  BOOST_TEST(!post("Ann", accents));
  BOOST_TEST(post("Ann", accents + "e").has_value());
  BOOST_TEST(post("Ann", "abcdef", 5).has_value());
}

BOOST_AUTO_TEST_CASE(a_message_as_json_keeps_its_text) {
  ChatMessage m;
  m.id = 7;
  m.name = "Ann";
  m.text = "<img src=x onerror=alert(1)>";
  m.host = true;
  m.at = 1'800'000'000'123;
  const auto j = to_json(m);
  BOOST_TEST(j["id"] == 7);
  BOOST_TEST(j["text"] == "<img src=x onerror=alert(1)>");
  BOOST_TEST(j["host"] == true);
  BOOST_TEST(j["at"] == "2027-01-15T08:00:00.123Z");
  BOOST_TEST(j.dump().find("\"text\":\"<img src=x onerror=alert(1)>\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rate_limiter_allows_a_burst_then_one_per_interval) {
  RateLimiter limit(5, 3000);
  const TimeMs t0 = 1'000'000;
  for (int i = 0; i < 5; ++i) BOOST_TEST(limit.take("a", t0) == 0);
  BOOST_TEST(limit.take("a", t0) == 3000);      // the 6th waits one interval
  BOOST_TEST(limit.take("a", t0 + 1000) == 2000);
  BOOST_TEST(limit.take("b", t0) == 0);         // another client has its own bucket
  BOOST_TEST(limit.take("a", t0 + 3000) == 0);  // one more after the interval
  BOOST_TEST(limit.take("a", t0 + 3000) == 3000);
  // Quiet for long enough, the whole burst is back.
  const TimeMs later = t0 + 60'000;
  for (int i = 0; i < 5; ++i) BOOST_TEST(limit.take("a", later) == 0);
  BOOST_TEST(limit.take("a", later) > 0);
}

BOOST_AUTO_TEST_CASE(rate_limiter_undo_gives_the_post_back) {
  RateLimiter limit(2, 1000);
  BOOST_TEST(limit.take("a", 0) == 0);
  BOOST_TEST(limit.take("a", 0) == 0);
  BOOST_TEST(limit.take("a", 0) == 1000);
  limit.undo("a");
  BOOST_TEST(limit.take("a", 0) == 0);
}

BOOST_AUTO_TEST_CASE(rate_limiter_forgets_idle_clients) {
  RateLimiter limit(1, 1000);
  for (int i = 0; i < 1500; ++i) BOOST_TEST(limit.take("early" + std::to_string(i), 0) == 0);
  BOOST_TEST(limit.keys() == 1500u);
  // Ten seconds on, the early clients are idle: as the table grows they are swept out.
  for (int i = 0; i < 1000; ++i) BOOST_TEST(limit.take("late" + std::to_string(i), 10'000) == 0);
  BOOST_TEST(limit.keys() < 1100u);
  BOOST_TEST(limit.take("late0", 10'000) == 1000);  // the ones still counting are kept
  BOOST_TEST(limit.take("early0", 10'000) == 0);
}

BOOST_AUTO_TEST_CASE(a_poll_needs_a_question_and_2_to_10_distinct_options) {
  std::string q = "  Best colour? ";
  std::vector<std::string> o = {" Red", "Green "};
  BOOST_TEST(!check_poll(q, o));
  BOOST_TEST(q == "Best colour?");
  BOOST_TEST(o[0] == "Red");
  BOOST_TEST(o[1] == "Green");
  auto check = [](std::string question, std::vector<std::string> options) { return check_poll(question, options); };
  BOOST_TEST(check("", {"a", "b"})->find("question") != std::string::npos);
  BOOST_TEST(*check("Q", {"a"}) == "a poll has 2 to 10 options; 1 given");
  BOOST_TEST(check("Q", std::vector<std::string>(11, "x"))->find("2 to 10") != std::string::npos);
  BOOST_TEST(*check("Q", {"a", "b", " a "}) == "option 3 (\"a\") is given twice; options must differ");
  BOOST_TEST(*check("Q", {"a", " "}) == "option 2 is empty");
  BOOST_TEST(check("Q", {"a", std::string(81, 'b')})->find("at most 80") != std::string::npos);
  BOOST_TEST(check(std::string(201, 'q'), {"a", "b"})->find("at most 200") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(poll_json_has_counts_total_and_the_device_choice) {
  Poll p;
  p.id = 3;
  p.question = "Q";
  p.options = {"a", "b", "c"};
  p.votes = {2, 1, 0};
  p.created_at = 0;
  auto j = to_json(p);
  BOOST_TEST(j["total"] == 3);
  BOOST_TEST(!j.contains("voted"));
  BOOST_TEST(!j.contains("closed_at"));
  BOOST_TEST(to_json(p, true)["voted"].is_null());
  BOOST_TEST(to_json(p, true, 1)["voted"] == 1);
}

BOOST_AUTO_TEST_CASE(the_room_follows_the_live_phase) {
  auto s = room_status(live_in(LiveState::Scheduled));
  BOOST_TEST((s.phase == Phase::Live));
  BOOST_TEST(s.open);
  BOOST_TEST(s.polls_open);
  BOOST_TEST(theme_name(s.theme) == "dark");
  BOOST_TEST(room_status(live_in(LiveState::Live)).open);

  // Ended: read-only, and it says why.
  s = room_status(live_in(LiveState::LiveEnd));
  BOOST_TEST(!s.phase.has_value());
  BOOST_TEST(s.enabled);
  BOOST_TEST(!s.open);
  BOOST_TEST(!s.polls_open);
  BOOST_TEST(s.reason == "the chat of live abc123 is closed: the live has ended (state LIVE_END)");

  // VOD: the vod room, which this live has not enabled.
  s = room_status(live_in(LiveState::Vod));
  BOOST_TEST((s.phase == Phase::Vod));
  BOOST_TEST(!s.enabled);
  BOOST_TEST(!s.open);
  BOOST_TEST(s.reason.find("--chat-vod") != std::string::npos);
  LiveRecord vod = live_in(LiveState::Vod);
  vod.spec.interaction.chat_vod = {true, ChatroomTheme::Light};
  s = room_status(vod);
  BOOST_TEST(s.open);
  BOOST_TEST(theme_name(s.theme) == "light");
  BOOST_TEST(!s.polls_open);  // polls are for the live phase

  LiveRecord off = live_in(LiveState::Live);
  off.spec.interaction = {};
  s = room_status(off);
  BOOST_TEST(!s.open);
  BOOST_TEST(!s.polls_enabled);
  BOOST_TEST(s.reason.find("--chat-live") != std::string::npos);

  const auto j = status_json(room_status(live_in(LiveState::Live)));
  BOOST_TEST(j["phase"] == "live");
  BOOST_TEST(j["chat"]["open"] == true);
  BOOST_TEST(j["chat"]["theme"] == "dark");
  BOOST_TEST(j["polls_enabled"] == true);
  BOOST_TEST(status_json(room_status(live_in(LiveState::Closed)))["phase"].is_null());
}

BOOST_AUTO_TEST_CASE(cookie_value_finds_the_named_cookie) {
  BOOST_TEST(*http::cookie_value("a=1; bvlive_device=abc; b=2", "bvlive_device") == "abc");
  BOOST_TEST(*http::cookie_value("bvlive_device=\"q\"", "bvlive_device") == "q");
  BOOST_TEST(*http::cookie_value("x_bvlive_device=1;bvlive_device= v ", "bvlive_device") == "v");
  BOOST_TEST(!http::cookie_value("a=1; b", "bvlive_device"));
  BOOST_TEST(!http::cookie_value("", "bvlive_device"));
  BOOST_TEST(http::set_cookie_line("n", "v", 60) == "n=v; Path=/; Max-Age=60; HttpOnly; SameSite=Lax");
}

BOOST_AUTO_TEST_CASE(the_store_keeps_messages_polls_and_one_vote_per_device) {
  TempDir dir;
  const std::string path = (dir.path / "state.db").string();
  LiveRecord live = live_in(LiveState::Live);
  std::int64_t first = 0, poll_id = 0;
  {
    Store store(path, false);
    store.insert_live(live);
    InteractionStore chat(store.db());
    for (int i = 0; i < 5; ++i) {
      ChatMessage m;
      m.live_id = live.id;
      m.phase = "live";
      m.name = "N" + std::to_string(i);
      m.text = "text " + std::to_string(i);
      m.at = 1000 + i;
      chat.insert_message(m, "dev", "127.0.0.1");
      if (i == 0) first = m.id;
      BOOST_TEST(m.id == first + i);
    }
    BOOST_TEST(chat.delete_message(live.id, first + 1, 2000));
    BOOST_TEST(!chat.delete_message(live.id, first + 1, 2000));   // already gone
    BOOST_TEST(!chat.delete_message("other", first + 2, 2000));  // not that live's

    Poll p;
    p.live_id = live.id;
    p.question = "Q";
    p.options = {"a", "b"};
    p.created_at = 5;
    chat.insert_poll(p);
    poll_id = p.id;
    BOOST_TEST(chat.insert_vote(p.id, "d1", 1, 10));
    BOOST_TEST(!chat.insert_vote(p.id, "d1", 0, 11));  // one vote per device
    BOOST_TEST(chat.insert_vote(p.id, "d2", 1, 12));
    BOOST_TEST(chat.insert_vote(p.id, "d3", 0, 13));
    chat.close_poll(p.id, 20);
  }
  Store store(path, false);  // reopened: everything is still there
  InteractionStore chat(store.db());
  const auto all = chat.messages(live.id, 0, 100);
  BOOST_TEST_REQUIRE(all.size() == 4u);  // oldest first, without the deleted one
  BOOST_TEST(all.front().name == "N0");
  BOOST_TEST(all[1].name == "N2");
  BOOST_TEST(all.back().text == "text 4");
  const auto last_two = chat.messages(live.id, 0, 2);
  BOOST_TEST_REQUIRE(last_two.size() == 2u);
  BOOST_TEST(last_two[0].name == "N3");
  BOOST_TEST(chat.messages(live.id, first + 3, 100).size() == 1u);

  const auto polls = chat.load_polls();
  BOOST_TEST_REQUIRE(polls.size() == 1u);
  BOOST_TEST(polls[0].id == poll_id);
  BOOST_TEST(!polls[0].open);
  BOOST_TEST(*polls[0].closed_at == 20);
  BOOST_TEST((polls[0].votes == std::vector<std::int64_t>{1, 2}));
  BOOST_TEST(chat.votes_of(live.id, "d1").at(poll_id) == 1);
  BOOST_TEST(chat.votes_of(live.id, "nobody").empty());

  // Deleting the live takes its room and polls with it.
  store.delete_live(live.id);
  BOOST_TEST(chat.messages(live.id, 0, 100).empty());
  BOOST_TEST(chat.load_polls().empty());
}
