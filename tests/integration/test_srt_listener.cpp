// The SRT ingest listener against a real encoder (ffmpeg's libsrt caller) on 127.0.0.1.
// The IngestHandler here is a small recorder of our own interface: it accepts exactly one
// key and keeps what the listener hands it.
#define BOOST_TEST_MODULE srt_listener
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <uv.h>

#include <array>
#include <chrono>
#include <csignal>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "daemon/ingest/srt/srt_listener.hpp"
#include "support/media.hpp"
#include "support/process.hpp"

using namespace bvtest;
using bvlive::SrtListener;
using bvlive::SrtSettings;
namespace ingest = bvlive::ingest;

namespace {

const std::string kKey = "sk_srtTestKey0123456789";

// What the listener gave the handler, shared by the handler and its publications.
struct Record {
  std::vector<ingest::PublishRequest> requests;
  std::vector<std::uint8_t> bytes;
  std::vector<std::string> finishes;
  int live_publications = 0;
  int destroyed = 0;
};

class RecordingPublication : public ingest::Publication {
 public:
  explicit RecordingPublication(Record& r) : r_(r) { ++r_.live_publications; }
  ~RecordingPublication() override {
    --r_.live_publications;
    ++r_.destroyed;
  }
  void write(std::span<const std::uint8_t> bytes) override {
    BOOST_CHECK_MESSAGE(!finished_, "write after finish");
    r_.bytes.insert(r_.bytes.end(), bytes.begin(), bytes.end());
  }
  void finish(const std::string& reason) override {
    finished_ = true;
    r_.finishes.push_back(reason);
  }

 private:
  Record& r_;
  bool finished_ = false;
};

class RecordingHandler : public ingest::IngestHandler {
 public:
  Record record;
  bool refuse_publish = false;  // refuse in publish() although check_key accepted

  ingest::PublishResult publish(ingest::PublishRequest request) override {
    record.requests.push_back(request);
    ingest::PublishResult result;
    if (refuse_publish || request.stream_key != kKey)
      result.refusal = "no live has this stream key";
    else
      result.publication = std::make_unique<RecordingPublication>(record);
    return result;
  }
  std::string check_key(std::string_view key) const override {
    return key == kKey ? "" : "no live has this stream key";
  }
};

// A libuv loop driven by the test, with every wait bounded.
class Loop {
 public:
  Loop() { uv_loop_init(&loop_); }
  ~Loop() {
    // Every handle is closed by then (the listener is gone): let the close callbacks run.
    for (int i = 0; i < 100 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) std::this_thread::sleep_for(5ms);
    BOOST_CHECK_EQUAL(uv_loop_close(&loop_), 0);
  }
  uv_loop_t* get() { return &loop_; }
  // Runs the loop until `done` or `timeout`; returns done().
  bool run_until(const std::function<bool()>& done, Ms timeout = 15s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      uv_run(&loop_, UV_RUN_NOWAIT);
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }
  void run_for(Ms d) {
    run_until([] { return false; }, d);
  }

 private:
  uv_loop_t loop_{};
};

SrtSettings test_settings() {
  SrtSettings s;
  s.listen = "127.0.0.1";
  s.port = 0;
  return s;
}

std::string srt_url(int port, const std::string& stream_id, const std::string& extra = "") {
  // ffmpeg's srt:// takes latency in microseconds.
  return "srt://127.0.0.1:" + std::to_string(port) + "?streamid=" + stream_id + "&latency=120000" + extra;
}

std::unique_ptr<BackgroundProcess> push(const TempDir& dir, const std::string& url, int seconds,
                                        const std::string& name = "ffmpeg.log") {
  return std::make_unique<BackgroundProcess>(encoder_argv(url, "mpegts", "640x360", seconds), dir / name);
}

// Runs the loop while waiting for the encoder to exit; its exit code.
std::optional<int> wait_exit(Loop& loop, BackgroundProcess& p, Ms timeout = 20s) {
  loop.run_until([&] { return !p.running(); }, timeout);
  return p.exit_code();
}

void check_mpeg_ts(const std::vector<std::uint8_t>& bytes) {
  BOOST_REQUIRE_GE(bytes.size(), 188u * 10);
  BOOST_TEST(bytes.size() % 188 == 0u);
  std::size_t bad = 0;
  for (std::size_t i = 0; i + 188 <= bytes.size(); i += 188) bad += bytes[i] != 0x47;
  BOOST_TEST(bad == 0u, bad << " TS packets without the 0x47 sync byte");
}

int udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  return fd;
}

void send_udp(int fd, int port, const std::vector<std::uint8_t>& bytes) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

void put32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
}

// The first packet of an SRT caller (a version 4 induction handshake); the caller who
// sends it and then goes quiet stalls the handshake.
std::vector<std::uint8_t> induction_handshake(std::uint32_t socket_id) {
  std::vector<std::uint8_t> b;
  put32(b, 0x80000000);  // control packet, type 0 = handshake
  put32(b, 0);
  put32(b, 0);           // timestamp
  put32(b, 0);           // destination socket: none yet
  put32(b, 4);           // version
  put32(b, 2);           // socket type: datagram
  put32(b, 0x12345);     // initial sequence number
  put32(b, 1500);        // MTU
  put32(b, 8192);        // flow window
  put32(b, 1);           // handshake type: induction
  put32(b, socket_id);
  put32(b, 0);           // SYN cookie
  put32(b, htonl(INADDR_LOOPBACK));
  for (int i = 0; i < 3; ++i) put32(b, 0);
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ffmpeg_push_with_access_control_streamid) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  BOOST_REQUIRE_GT(port, 0);

  auto ffmpeg = push(dir, srt_url(port, "#!::r=" + kKey + ",m=publish"), 3);
  BOOST_REQUIRE_MESSAGE(loop.run_until([&] { return handler.record.requests.size() == 1; }),
                        "no publish; ffmpeg:\n" << ffmpeg->log());
  const auto& req = handler.record.requests[0];
  BOOST_TEST(req.stream_key == kKey);
  BOOST_TEST((req.protocol == ingest::Protocol::Srt));
  BOOST_TEST((req.container == ingest::Container::MpegTs));
  BOOST_TEST(req.remote.rfind("127.0.0.1:", 0) == 0u, req.remote);
  BOOST_TEST(listener->connections() == 1u);

  const auto code = wait_exit(loop, *ffmpeg);
  BOOST_REQUIRE_MESSAGE(code.has_value(), "ffmpeg did not finish:\n" << ffmpeg->log());
  BOOST_TEST(*code == 0, ffmpeg->log());
  BOOST_REQUIRE(loop.run_until([&] { return !handler.record.finishes.empty(); }));
  BOOST_TEST(handler.record.finishes == std::vector<std::string>{"encoder disconnected"});
  BOOST_TEST(handler.record.destroyed == 1);
  BOOST_TEST(listener->connections() == 0u);
  check_mpeg_ts(handler.record.bytes);
  BOOST_TEST(handler.record.bytes.size() > 100'000u, "3 s of 640x360 video: " << handler.record.bytes.size());
  BOOST_TEST(listener->stats().bytes_in == handler.record.bytes.size());
}

BOOST_AUTO_TEST_CASE(bare_key_streamid) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 2);
  const auto code = wait_exit(loop, *ffmpeg);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0, ffmpeg->log());
  BOOST_REQUIRE(loop.run_until([&] { return !handler.record.finishes.empty(); }));
  BOOST_REQUIRE_EQUAL(handler.record.requests.size(), 1u);
  BOOST_TEST(handler.record.requests[0].stream_key == kKey);
  check_mpeg_ts(handler.record.bytes);
}

BOOST_AUTO_TEST_CASE(wrong_key_and_request_mode_are_refused_in_the_handshake) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  for (const std::string& id : {std::string("#!::r=sk_wrong,m=publish"), std::string("sk_wrong"),
                                "#!::r=" + kKey + ",m=request", std::string("#!::m=publish")}) {
    BOOST_TEST_CONTEXT("streamid " << id) {
      auto ffmpeg = push(dir, srt_url(port, id), 2, "refused.log");
      const auto code = wait_exit(loop, *ffmpeg);
      BOOST_REQUIRE_MESSAGE(code.has_value(), "ffmpeg did not give up:\n" << ffmpeg->log());
      BOOST_TEST(*code != 0, ffmpeg->log());
    }
  }
  loop.run_for(200ms);
  BOOST_TEST(handler.record.requests.empty());
  BOOST_TEST(handler.record.bytes.empty());
  BOOST_TEST(listener->connections() == 0u);
}

BOOST_AUTO_TEST_CASE(refused_by_publish_after_the_handshake) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  handler.refuse_publish = true;  // e.g. the live left PREVIEW between check_key and publish
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 10);
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.requests.size() == 1; }));
  const auto code = wait_exit(loop, *ffmpeg);
  BOOST_REQUIRE_MESSAGE(code.has_value(), "ffmpeg still pushing to a refused connection:\n" << ffmpeg->log());
  BOOST_TEST(*code != 0);
  BOOST_TEST(handler.record.bytes.empty());
  BOOST_TEST(listener->stats().publishes_refused == 1u);
  BOOST_TEST(listener->connections() == 0u);
}

BOOST_AUTO_TEST_CASE(passphrase) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  SrtSettings s = test_settings();
  s.passphrase = "correct-horse-battery";
  auto listener = std::make_unique<SrtListener>(loop.get(), s, handler);
  const int port = listener->start();

  auto plain = push(dir, srt_url(port, kKey), 2, "plain.log");
  auto code = wait_exit(loop, *plain);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code != 0, "an unencrypted caller must be refused");
  auto wrong = push(dir, srt_url(port, kKey, "&passphrase=wrong-passphrase"), 2, "wrong.log");
  code = wait_exit(loop, *wrong);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code != 0, "a wrong passphrase must be refused");
  BOOST_TEST(handler.record.requests.empty());

  auto right = push(dir, srt_url(port, kKey, "&passphrase=correct-horse-battery"), 2, "right.log");
  code = wait_exit(loop, *right);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0, right->log());
  BOOST_REQUIRE(loop.run_until([&] { return !handler.record.finishes.empty(); }));
  BOOST_TEST(handler.record.requests.size() == 1u);
  check_mpeg_ts(handler.record.bytes);
}

BOOST_AUTO_TEST_CASE(bad_passphrase_and_busy_port_are_clear_errors) {
  Loop loop;
  RecordingHandler handler;
  SrtSettings s = test_settings();
  s.passphrase = "short";
  {
    SrtListener listener(loop.get(), s, handler);
    BOOST_CHECK_EXCEPTION(listener.start(), std::runtime_error, [](const std::runtime_error& e) {
      return std::string(e.what()).find("10 to 79 characters") != std::string::npos;
    });
  }
  SrtListener first(loop.get(), test_settings(), handler);
  const int port = first.start();
  SrtSettings same = test_settings();
  same.port = port;
  SrtListener second(loop.get(), same, handler);
  BOOST_CHECK_EXCEPTION(second.start(), std::runtime_error, [&](const std::runtime_error& e) {
    const std::string m = e.what();
    BOOST_TEST_MESSAGE(m);
    return m.find("cannot listen for SRT on 127.0.0.1:" + std::to_string(port)) == 0 &&
           m.find("[srt] port") != std::string::npos;
  });
}

BOOST_AUTO_TEST_CASE(garbage_and_a_stalled_handshake_do_not_disturb_a_push) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 4);
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.bytes.size() > 20'000; }));

  const int fd = udp_socket();
  std::mt19937 rng(42);
  for (int i = 0; i < 300; ++i) {
    std::vector<std::uint8_t> junk(1 + rng() % 1400);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (i % 3 == 0) junk[0] |= 0x80;  // looks like a control packet
    send_udp(fd, port, junk);
  }
  send_udp(fd, port, {});
  send_udp(fd, port, induction_handshake(0x1234));  // ... and then never the conclusion
  // A caller that gets the listener's induction answer and never sends its conclusion.
  const int stalled = udp_socket();
  timeval tv{2, 0};
  ::setsockopt(stalled, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  send_udp(stalled, port, induction_handshake(0x5678));
  std::array<std::uint8_t, 1500> answer{};
  const ssize_t got = ::recv(stalled, answer.data(), answer.size(), 0);
  BOOST_TEST(got >= 64, "the listener answers an induction handshake");
  BOOST_TEST(answer[0] == 0x80);
  const std::size_t before = handler.record.bytes.size();
  loop.run_for(500ms);
  BOOST_TEST(handler.record.bytes.size() > before, "the push stopped after the garbage");

  const auto code = wait_exit(loop, *ffmpeg);
  ::close(fd);
  ::close(stalled);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0, ffmpeg->log());
  BOOST_REQUIRE(loop.run_until([&] { return !handler.record.finishes.empty(); }));
  BOOST_TEST(handler.record.requests.size() == 1u);
  BOOST_TEST(handler.record.finishes == std::vector<std::string>{"encoder disconnected"});
  check_mpeg_ts(handler.record.bytes);
}

BOOST_AUTO_TEST_CASE(kick_closes_the_connection) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 30);
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.bytes.size() > 20'000; }));
  handler.record.requests[0].kick("replaced by a newer push");
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.destroyed == 1; }));
  BOOST_TEST(listener->connections() == 0u);
  const auto code = wait_exit(loop, *ffmpeg, 20s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), "ffmpeg kept pushing after the kick:\n" << ffmpeg->log());
  BOOST_TEST(*code != 0);
  BOOST_TEST(handler.record.finishes.empty(), "a kick does not call finish()");
}

BOOST_AUTO_TEST_CASE(destroying_the_listener_with_a_live_push) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 30);
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.bytes.size() > 20'000; }));
  listener.reset();
  BOOST_TEST(handler.record.live_publications == 0);
  BOOST_TEST(handler.record.destroyed == 1);
  const auto code = wait_exit(loop, *ffmpeg, 20s);
  BOOST_REQUIRE_MESSAGE(code.has_value(), "ffmpeg kept pushing to a closed listener:\n" << ffmpeg->log());
  BOOST_TEST(*code != 0);

  // The port is free again.
  SrtSettings same = test_settings();
  same.port = port;
  SrtListener again(loop.get(), same, handler);
  BOOST_TEST(again.start() == port);
}

BOOST_AUTO_TEST_CASE(a_caller_that_goes_silent_is_disconnected) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  auto listener = std::make_unique<SrtListener>(loop.get(), test_settings(), handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 30);
  BOOST_REQUIRE(loop.run_until([&] { return handler.record.bytes.size() > 20'000; }));
  ::kill(ffmpeg->pid(), SIGSTOP);  // frozen: no data, no keepalives
  BOOST_REQUIRE_MESSAGE(loop.run_until([&] { return !handler.record.finishes.empty(); },
                                       std::chrono::milliseconds(SrtListener::kPeerIdleTimeoutMs) + 10s),
                        "a silent caller was not disconnected");
  BOOST_TEST(handler.record.finishes == std::vector<std::string>{"encoder disconnected"});
  BOOST_TEST(listener->connections() == 0u);
  ffmpeg->stop(SIGKILL);
}

BOOST_AUTO_TEST_CASE(ipv6_wildcard_also_takes_ipv4_callers) {
  TempDir dir("bvlive-srt");
  Loop loop;
  RecordingHandler handler;
  SrtSettings s = test_settings();
  s.listen = "::";
  auto listener = std::make_unique<SrtListener>(loop.get(), s, handler);
  const int port = listener->start();
  auto ffmpeg = push(dir, srt_url(port, kKey), 2);
  const auto code = wait_exit(loop, *ffmpeg);
  BOOST_REQUIRE(code.has_value());
  BOOST_TEST(*code == 0, ffmpeg->log());
  BOOST_REQUIRE(loop.run_until([&] { return !handler.record.finishes.empty(); }));
  BOOST_REQUIRE_EQUAL(handler.record.requests.size(), 1u);
  BOOST_TEST(handler.record.requests[0].remote.rfind("127.0.0.1:", 0) == 0u, handler.record.requests[0].remote);
}

BOOST_AUTO_TEST_CASE(listen_address_must_be_an_ip) {
  Loop loop;
  RecordingHandler handler;
  SrtSettings s = test_settings();
  s.listen = "localhost";
  SrtListener listener(loop.get(), s, handler);
  BOOST_CHECK_EXCEPTION(listener.start(), std::runtime_error, [](const std::runtime_error& e) {
    const std::string m = e.what();
    return m.find("cannot listen for SRT on localhost:0") == 0 && m.find("[srt] listen") != std::string::npos;
  });
}
