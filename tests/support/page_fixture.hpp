// What the page tests (test_watch_page, test_watch_interactions) start from: a real daemon,
// the CLI on its socket, its ports, and a live pushed by ffmpeg over RTMP when a case needs
// one playing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "support/media.hpp"
#include "support/process.hpp"

namespace bvtest {

// The last `n` characters of a log, for failure messages.
std::string tail(const std::string& text, std::size_t n = 4000);

struct PageFixture {
  explicit PageFixture(const std::string& dir_prefix);

  TempDir dir;
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli;
  Ports ports;
  std::unique_ptr<BackgroundProcess> encoder;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(ports.http); }
  // `bvlive -q create FLAGS...`: the new live's id.
  std::string create(const std::vector<std::string>& flags);
  // Opens the preview and pushes a test pattern until the packager has segments out.
  void push(const std::string& id);
  // `bvlive start`, and waits for LIVE.
  void start(const std::string& id);
};

}  // namespace bvtest
