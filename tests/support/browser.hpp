// Test support for browser tests: Debian's chromium, headless, on a page (usually file://),
// with the page's console.log lines read back from chromium's stderr. A page reports by
// logging lines that start with a prefix ("player: ..."); the helpers here pick them out and
// parse the JSON ones. Everything is bounded in time and the browser dies with its owner.
#pragma once

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

// hls.min.js as installed by the web_assets target (share/scripts/install-web.sh).
std::string hls_js_path();

// "file:///abs/path?k=v&..." with the values percent-encoded.
std::string file_url(const std::string& path, const std::map<std::string, std::string>& query = {});
std::string percent_encode(const std::string& text);

// The messages of console.log lines in a chromium stderr log that start with `prefix`, in
// order, with the prefix removed. Chromium prints them as
//   [pid:tid:MMDD/HHMMSS.micros:INFO:CONSOLE:12] "player: {...}", source: file:///... (12)
// (older versions: CONSOLE(12)), the message unescaped.
std::vector<std::string> console_messages(const std::string& log, const std::string& prefix);
// Those messages that are JSON objects, parsed (others are skipped).
std::vector<nlohmann::json> console_json(const std::string& log, const std::string& prefix);

struct BrowserOptions {
  std::vector<std::string> extra_args;  // more chromium flags
  std::string binary = "chromium";
};

// A headless chromium showing `url`, its stderr in `dir`/NAME.log and its profile in
// `dir`/NAME-profile. The destructor stops it and every process it started.
class HeadlessBrowser {
 public:
  HeadlessBrowser(const std::string& url, const std::string& dir, const std::string& name = "chromium",
                  const BrowserOptions& options = {});
  ~HeadlessBrowser();
  HeadlessBrowser(const HeadlessBrowser&) = delete;
  HeadlessBrowser& operator=(const HeadlessBrowser&) = delete;

  bool running() { return process_->running(); }
  std::string log() const { return process_->log(); }
  std::vector<std::string> messages(const std::string& prefix) const { return console_messages(log(), prefix); }
  std::vector<nlohmann::json> json_messages(const std::string& prefix) const { return console_json(log(), prefix); }

  // Polls `done` (every 250 ms) until it is true, the browser exits or `timeout` passes;
  // returns its last answer.
  bool wait_for(const std::function<bool()>& done, Ms timeout);
  // SIGTERM, then SIGKILL for it and whatever it started that is still there.
  void stop();

 private:
  std::unique_ptr<BackgroundProcess> process_;
};

}  // namespace bvtest
