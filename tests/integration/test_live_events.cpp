// The player pages' event stream (/live/ID/events, server-sent events) on a real daemon:
// it opens with the live's status in any state, follows every transition, update and
// signal change as it happens, ends when the live is deleted, and sits behind the live's
// playback gate.
#define BOOST_TEST_MODULE live_events
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/event_stream.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

struct EventsFixture {
  TempDir dir{"bvlive-events"};
  std::unique_ptr<DaemonProcess> daemon = start_daemon(dir);
  Cli cli{daemon->socket()};
  Ports ports = ports_of(cli);

  std::string create(std::vector<std::string> flags) {
    std::vector<std::string> args{"-q", "create"};
    args.insert(args.end(), flags.begin(), flags.end());
    const RunResult r = cli.run(args);
    REQUIRE_EXIT(r, 0);
    return r.out.substr(0, r.out.find('\n'));
  }
};

// The next "status" event's data.
json next_status(EventStream& stream) {
  const auto e = stream.next();
  BOOST_TEST_REQUIRE(e.has_value(), "no event came");
  BOOST_TEST(e->event == "status");
  return json::parse(e->data);
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(a_page_follows_its_live_from_creation_to_deletion, EventsFixture) {
  const std::string id = create({"--name", "Town hall", "--custom-id", "townhall"});
  EventStream stream(ports.http, "/live/townhall/events");
  BOOST_TEST_REQUIRE(stream.status() == 200, stream.head());
  BOOST_TEST(contains(stream.head(), "Content-Type: text/event-stream"), stream.head());

  // Opened with where the live stands, before it is public.
  json s = next_status(stream);
  BOOST_TEST(s["id"] == id);
  BOOST_TEST(s["name"] == "Town hall");
  BOOST_TEST(s["cover"] == "ready_to_start");
  BOOST_TEST(s["signal_interrupted"] == false);

  // Each change arrives as it happens, with the cover the page should now show.
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  s = next_status(stream);
  BOOST_TEST(s["state"] == "PREVIEW");
  BOOST_TEST(s["cover"] == "preview");
  REQUIRE_EXIT(cli.run({"update", id, "--name", "Town hall, live"}), 0);
  s = next_status(stream);
  BOOST_TEST(s["name"] == "Town hall, live");
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  s = next_status(stream);
  BOOST_TEST(s["state"] == "LIVE");
  BOOST_TEST(s["cover"] == "current");
  REQUIRE_EXIT(cli.run({"end", id}), 0);
  s = next_status(stream);
  BOOST_TEST(s["cover"] == "end", s.dump());
  BOOST_TEST(s["state"] != "LIVE");

  // A second page opened now starts from the current status.
  EventStream late(ports.http, "/live/" + id + "/events");
  BOOST_TEST(next_status(late)["state"] == s["state"]);

  // Deleting the live ends every stream.
  while (stream.next(500ms)) {}  // whatever else the end brought (e.g. LIVE_END after ENCODING)
  REQUIRE_EXIT(cli.run({"close", id}), 0);
  REQUIRE_EXIT(cli.run({"delete", "-y", id}), 0);
  BOOST_TEST(stream.closed());
  BOOST_TEST(late.closed());
  const std::string metrics = http_get("http://127.0.0.1:" + std::to_string(ports.http) + "/metrics").body;
  BOOST_TEST(contains(metrics, "bvlive_event_streams 0\n"), metrics);
}

BOOST_FIXTURE_TEST_CASE(the_stream_is_behind_the_playback_gate, EventsFixture) {
  BOOST_TEST(EventStream(ports.http, "/live/nosuchlive/events").status() == 404);
  const std::string id = create({"--name", "Members", "--privacy", "token"});
  EventStream refused(ports.http, "/live/" + id + "/events");
  BOOST_TEST(refused.status() == 401, refused.head());
  const RunResult token = cli.run({"-q", "token", id});
  REQUIRE_EXIT(token, 0);
  EventStream allowed(ports.http, "/live/" + id + "/events?token=" + token.out.substr(0, token.out.find('\n')));
  BOOST_TEST_REQUIRE(allowed.status() == 200, allowed.head());
  BOOST_TEST(next_status(allowed)["name"] == "Members");
}
