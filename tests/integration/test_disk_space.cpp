// A nearly full media disk: pushes are refused before it is full ([media] min_free_space),
// with the reason at the encoder (ffmpeg prints the RTMP onStatus description) and in the
// log; free space shows in `bvlive status` and /metrics; lowering the threshold with a
// reload lets the next push in at once. The disk is this machine's: the threshold is set
// above its free space rather than filling it.
#define BOOST_TEST_MODULE disk_space
#include <boost/test/unit_test.hpp>

#include <sys/statvfs.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

std::uint64_t free_bytes_of(const std::string& path) {
  struct statvfs st {};
  BOOST_TEST_REQUIRE(::statvfs(path.c_str(), &st) == 0);
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

struct DiskFixture {
  TempDir dir{"bvlive-disk"};
  std::unique_ptr<DaemonProcess> daemon;
  std::unique_ptr<Cli> cli;
  Ports ports;

  explicit DiskFixture(const std::string& min_free) {
    daemon = start_daemon(dir, config(min_free));
    cli = std::make_unique<Cli>(daemon->socket());
    ports = ports_of(*cli);
  }
  static std::string config(const std::string& min_free) {
    return "[media]\nmin_free_space = \"" + min_free + "\"\n";
  }
  json disk() { return cli->json({"status"})["media_disk"]; }
  json sessions(const std::string& id) { return cli->json({"sessions", id})["sessions"]; }
  std::string live_in_preview() {
    const RunResult r = cli->run({"-q", "create", "--name", "disk", "--ingest", "rtmp,srt"});
    REQUIRE_EXIT(r, 0);
    const std::string id = r.out.substr(0, r.out.find('\n'));
    REQUIRE_EXIT(cli->run({"preview", id}), 0);
    return id;
  }
  std::string key(const std::string& id) { return live_of(*cli, id)["stream_key"].get<std::string>(); }
  std::string rtmp_url(const std::string& id) {
    return "rtmp://127.0.0.1:" + std::to_string(ports.rtmp) + "/live/" + key(id);
  }
  double metric(const std::string& name) {
    const HttpReply m = http_get("http://127.0.0.1:" + std::to_string(ports.http) + "/metrics");
    const auto at = m.body.find("\n" + name + " ");
    BOOST_TEST_REQUIRE(at != std::string::npos, name << " not in /metrics");
    return std::stod(m.body.substr(at + name.size() + 2));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_push_is_refused_below_min_free_space_and_accepted_after_a_reload) {
  // More than any disk of this machine has free.
  DiskFixture f("900TiB");
  const std::string media = f.dir / "state/media";

  // What the operator sees before anyone pushes.
  const json disk = f.disk();
  BOOST_TEST(disk["pushes_refused"] == true, disk.dump());
  BOOST_TEST(disk["min_free_bytes"].get<std::uint64_t>() == 900ULL << 40);
  const auto reported = disk["free_bytes"].get<std::uint64_t>();
  const auto measured = free_bytes_of(disk["path"].get<std::string>());
  // Other tests write beside us: the two readings are close, not equal.
  BOOST_TEST((reported > measured ? reported - measured : measured - reported) < (std::uint64_t{512} << 20),
             "status says " << reported << " bytes free, statvfs " << measured);
  BOOST_TEST(disk["size_bytes"].get<std::uint64_t>() >= reported);
  const RunResult status = f.cli->run({"status"});
  BOOST_TEST(contains(status.out, "media disk:"), status.out);
  BOOST_TEST(contains(status.out, "PUSHES REFUSED (below 900 TiB)"), status.out);
  BOOST_TEST(f.metric("bvlive_media_disk_min_free_bytes") == static_cast<double>(900ULL << 40));
  BOOST_TEST(f.metric("bvlive_media_disk_free_bytes") > 0);
  BOOST_TEST(f.daemon->log().find("new pushes are refused") != std::string::npos, f.daemon->log());

  // The encoder is told why, and nothing is started.
  const std::string id = f.live_in_preview();
  const RunResult push = run(encoder_argv(f.rtmp_url(id), "flv", "320x240", 3), with_timeout(30s));
  BOOST_TEST(push.code != 0, push.describe());
  BOOST_TEST(contains(push.err, "media disk is nearly full"), "ffmpeg was not told why: " << push.describe());
  BOOST_TEST(f.sessions(id).empty(), f.sessions(id).dump(2));
  BOOST_TEST(f.daemon->log().find("publish refused: the media disk is nearly full") != std::string::npos,
             f.daemon->log());
  BOOST_TEST(f.metric("bvlive_sessions_refused_disk_total") == 1.0);

  // SRT asks before accepting the connection: refused the same way, nothing started.
  const std::string srt = "srt://127.0.0.1:" + std::to_string(f.ports.srt) + "?streamid=#!::r=" + f.key(id) +
                          ",m=publish&connect_timeout=3000000";
  const RunResult srt_push = run(encoder_argv(srt, "mpegts", "320x240", 3), with_timeout(30s));
  BOOST_TEST(srt_push.code != 0, srt_push.describe());
  BOOST_TEST(f.sessions(id).empty(), f.sessions(id).dump(2));

  // The operator lowers the threshold: applied by the reload, no restart.
  write_file(f.dir / "bvlived.toml", DiskFixture::config("1MiB"));
  const json reloaded = f.cli->json({"reload"});
  for (const auto& key : reloaded["restart_needed_for"]) BOOST_TEST(key != "media", reloaded.dump());
  BOOST_TEST(f.disk()["pushes_refused"] == false);
  BOOST_TEST(f.daemon->log().find("free space is back") != std::string::npos, f.daemon->log());
  BackgroundProcess encoder(encoder_argv(f.rtmp_url(id), "flv", "320x240"), f.dir / "encoder.log");
  json last;
  const bool live = poll_until(
      [&] {
        last = f.sessions(id);
        return !last.empty() && last[0]["state"] == "LIVE";
      },
      30s, 250ms);
  BOOST_TEST(live, "no LIVE session after the reload: " << last.dump(2) << "\n" << encoder.log());
}

BOOST_AUTO_TEST_CASE(bad_sizes_are_refused_with_the_key_named) {
  TempDir dir{"bvlive-disk-config"};
  for (const std::string bad : {"\"lots\"", "-1", "\"12 parsecs\"", "true"}) {
    write_file(dir / "bad.toml", "[media]\nmin_free_space = " + bad + "\n");
    const RunResult r = run({BVLIVED_BIN, "--config", dir / "bad.toml", "--check-config"});
    BOOST_TEST(r.code == 78, r.describe());
    BOOST_TEST(contains(r.err, "media.min_free_space"), r.describe());
  }
  write_file(dir / "good.toml", "[media]\nmin_free_space = 0\n");
  const RunResult good = run({BVLIVED_BIN, "--config", dir / "good.toml", "--check-config"});
  BOOST_TEST(good.code == 0, good.describe());
}
