#include "support/page_fixture.hpp"

#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"

namespace bvtest {

using nlohmann::json;

std::string tail(const std::string& text, std::size_t n) {
  return text.size() > n ? text.substr(text.size() - n) : text;
}

PageFixture::PageFixture(const std::string& dir_prefix)
    : dir(dir_prefix), daemon(start_daemon(dir)), cli(daemon->socket()), ports(ports_of(cli)) {}

std::string PageFixture::create(const std::vector<std::string>& flags) {
  std::vector<std::string> args{"-q", "create"};
  args.insert(args.end(), flags.begin(), flags.end());
  const RunResult r = cli.run(args);
  REQUIRE_EXIT(r, 0);
  return r.out.substr(0, r.out.find('\n'));
}

void PageFixture::push(const std::string& id) {
  REQUIRE_EXIT(cli.run({"preview", id}), 0);
  encoder = std::make_unique<BackgroundProcess>(
      encoder_argv(live_of(cli, id)["urls"]["rtmp"].get<std::string>(), "flv"), dir / "encoder.log");
  json sessions;
  const bool on = poll_until(
      [&] {
        sessions = cli.json({"sessions", id})["sessions"];
        return !sessions.empty() && sessions[0]["state"] == "LIVE" && sessions[0]["segments"].get<int>() >= 2;
      },
      45s, 250ms);
  BOOST_TEST_REQUIRE(on, "no session with segments: " << sessions.dump(2) << "\nencoder:\n"
                                                      << encoder->log() << "\ndaemon log:\n" << tail(daemon->log()));
}

void PageFixture::start(const std::string& id) {
  REQUIRE_EXIT(cli.run({"start", id}), 0);
  BOOST_TEST_REQUIRE(wait_for_state(cli, id, "LIVE"));
}

}  // namespace bvtest
