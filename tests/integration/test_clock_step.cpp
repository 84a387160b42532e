// The wall clock stepped under a running bvlived with scheduled lives (an NTP correction,
// an operator's `date -s`, a resume from suspend). Schedules are wall-clock times
// (bvlived(8) SCHEDULER): after a step forward, a transition that became due happens
// within a few seconds, not after the timer's old monotonic delay; after a step back,
// nothing fires early, and nothing fires twice.
//
// The step is libfaketime's (Debian package faketime), preloaded into bvlived only, with
// an offset file the test rewrites (FAKETIME_NO_CACHE: read at every clock call).
// CLOCK_MONOTONIC is left alone (FAKETIME_DONT_FAKE_MONOTONIC), as a real step leaves it:
// libuv's timers run on it. The sanitizer build's ASan refuses a library preloaded before
// its runtime unless told not to check (verify_asan_link_order=0); libfaketime only wraps
// the clock calls, which ASan does not intercept.
#define BOOST_TEST_MODULE clock_step
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr const char* kFaketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
constexpr std::int64_t kHourMs = 3600 * 1000;

// Sets environment variables for the lifetime of the object (the daemon's spawn), then
// puts the old values back so that the test's other children are not faked.
class ScopedEnv {
 public:
  void set(const std::string& name, const std::string& value) {
    const char* old = std::getenv(name.c_str());
    saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (auto it = saved_.rbegin(); it != saved_.rend(); ++it) {
      if (it->second) ::setenv(it->first.c_str(), it->second->c_str(), 1);
      else ::unsetenv(it->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

struct ClockFixture {
  ClockFixture() {
    BOOST_TEST_REQUIRE(path_exists(kFaketime), kFaketime << " is missing: install the faketime package "
                                                             "(share/scripts/install-deps.sh)");
    step_to(0);
    {
      ScopedEnv env;
      env.set("LD_PRELOAD", kFaketime);
      env.set("FAKETIME_TIMESTAMP_FILE", dir / "offset");
      env.set("FAKETIME_NO_CACHE", "1");
      env.set("FAKETIME_DONT_FAKE_MONOTONIC", "1");
      const char* asan = std::getenv("ASAN_OPTIONS");
      env.set("ASAN_OPTIONS", std::string(asan ? asan : "") + (asan && *asan ? ":" : "") + "verify_asan_link_order=0");
      daemon = std::make_unique<DaemonProcess>(dir.path());
      daemon->start();
    }
    cli = std::make_unique<Cli>(daemon->socket());
  }

  // The daemon's wall clock becomes the real one + `offset_ms`.
  void step_to(std::int64_t offset_ms) {
    offset = offset_ms;
    write_file(dir / "offset", (offset_ms >= 0 ? "+" : "") + std::to_string(offset_ms / 1000) + "s\n");
  }
  std::int64_t daemon_now() const { return now_ms() + offset; }

  // A live that goes PREVIEW and LIVE by itself at `at` (daemon time).
  std::string scheduled_live(const std::string& name, std::int64_t at) {
    const RunResult r = cli->run({"-q", "create", "--name", name, "--scheduled-at", rfc3339(at), "--auto-start"});
    REQUIRE_EXIT(r, 0);
    const std::string id = r.out.substr(0, r.out.find('\n'));
    BOOST_TEST_REQUIRE(wait_for_state(*cli, id, "WAIT_FOR_PREVIEW"), state_of(*cli, id));
    return id;
  }

  // How many times the live's history has it entering `state`.
  std::size_t entered(const std::string& id, const std::string& state) {
    std::size_t n = 0;
    for (const auto& e : events_of(*cli, id))
      if (e["to"] == state && e["from"] != state) ++n;
    return n;
  }

  TempDir dir{"bvlive-clock"};
  std::int64_t offset = 0;
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(schedules_follow_a_stepped_wall_clock, ClockFixture) {
  // The daemon runs on the preloaded clock: a live created now is stamped an hour ahead.
  step_to(kHourMs);
  const RunResult probe = cli->run({"-q", "create", "--name", "probe"});
  REQUIRE_EXIT(probe, 0);
  const std::int64_t created = time_of(live_of(*cli, probe.out.substr(0, probe.out.find('\n')))["created_at"]);
  BOOST_TEST_REQUIRE(std::llabs(created - daemon_now()) < 60'000,
                     "bvlived does not run on the faked clock: created_at " << rfc3339(created) << ", expected about "
                                                                             << rfc3339(daemon_now()));
  step_to(0);

  // Two lives: one at +30 min, one at +3 h.
  const std::string soon = scheduled_live("soon", daemon_now() + kHourMs / 2);
  const std::string later = scheduled_live("later", daemon_now() + 3 * kHourMs);

  // Forward by an hour: "soon" is due now and goes LIVE within a few seconds (not after
  // the minute, or the half hour, its timer was armed for); "later" is still an hour off.
  step_to(kHourMs);
  const std::int64_t stepped = now_ms();
  BOOST_TEST_REQUIRE(wait_for_state(*cli, soon, "LIVE", 8s),
                     "not LIVE 8 s after its time was stepped over: " << state_of(*cli, soon) << "\nlog:\n"
                                                                         << daemon->log());
  BOOST_TEST(now_ms() - stepped < 5000, "took " << now_ms() - stepped << " ms");
  const json events = events_of(*cli, soon);
  const json started = find_event(events, "LIVE", "PREVIEW");
  BOOST_TEST_REQUIRE(started.is_object(), joined(history(events)));
  BOOST_TEST(started["cause"] == "schedule", started.dump());
  BOOST_TEST(state_of(*cli, later) == "WAIT_FOR_PREVIEW");

  // A live due 8 s from now, then the clock steps back an hour: it is an hour and 8 s
  // away again, so 12 s later it has not fired; "soon" has not started a second time.
  const std::string next = scheduled_live("next", daemon_now() + 8000);
  step_to(0);
  sleep_for(12s);
  BOOST_TEST(state_of(*cli, next) == "WAIT_FOR_PREVIEW", joined(history(events_of(*cli, next))));
  BOOST_TEST(state_of(*cli, soon) == "LIVE");
  BOOST_TEST(entered(soon, "LIVE") == 1u, joined(history(events_of(*cli, soon))));
  BOOST_TEST(state_of(*cli, later) == "WAIT_FOR_PREVIEW");

  // Forward again: "next" is overdue and fires, once.
  step_to(kHourMs);
  BOOST_TEST_REQUIRE(wait_for_state(*cli, next, "LIVE", 8s), state_of(*cli, next) << "\nlog:\n" << daemon->log());
  sleep_for(3s);
  BOOST_TEST(entered(next, "LIVE") == 1u, joined(history(events_of(*cli, next))));
  BOOST_TEST(entered(next, "PREVIEW") == 1u, joined(history(events_of(*cli, next))));
  BOOST_TEST(entered(soon, "LIVE") == 1u, joined(history(events_of(*cli, soon))));
  BOOST_TEST(state_of(*cli, later) == "WAIT_FOR_PREVIEW");
}
