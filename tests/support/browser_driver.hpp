// The page tests' browser driver: tests/browser/interactions.mjs (playwright-core driving
// Debian's chromium) running in the background on one scenario. The script acts as a viewer
// does and prints ONE JSON object of what the pages showed; its progress (stderr lines
// `interactions: ...`) lets a test wait for a step and act between steps. The tests check
// the JSON.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "support/process.hpp"

namespace bvtest {

class BrowserDriver {
 public:
  // `node interactions.mjs URL DIR/driver-SCENARIO SCENARIO`, its log in DIR/driver-SCENARIO.log.
  BrowserDriver(const TempDir& dir, const std::string& url, const std::string& scenario);
  // The same with another script of tests/browser that follows the same protocol
  // (`node SCRIPT URL OUT SCENARIO`, progress lines, one JSON object), e.g. "drm_players.mjs".
  BrowserDriver(const TempDir& dir, const std::string& url, const std::string& scenario, const std::string& script);

  // Its stderr progress and stdout JSON, in one log.
  std::string log() const { return process_.log(); }
  // Where it writes its screenshots.
  const std::string& out_dir() const { return out_; }
  // Waits for a progress line `interactions: TEXT...` (or the script's end); the line, or "".
  std::string wait_for_progress(const std::string& text, Ms timeout);
  // Waits for the script to exit; its exit code (nullopt when it did not) and its JSON (null when none).
  std::pair<std::optional<int>, nlohmann::json> finish(Ms timeout);

 private:
  std::string out_;
  BackgroundProcess process_;
};

// Copies the screenshots a driver's JSON lists ("screenshots": [paths]) to
// ARTIFACTS/PREFIX + their file name, kept after the test's directory goes.
void keep_screenshots(const nlohmann::json& result, const std::filesystem::path& artifacts, const std::string& prefix);

// Runs `driver` to its end and requires that it ended well: it exited 0 within `timeout`
// with its JSON; and checks that the pages had no script errors and opened no dialogs. Its
// screenshots are kept first (see keep_screenshots), failed or not. Failure messages end
// with `context()` (the daemon's log, say). Returns the JSON.
nlohmann::json run_to_end(BrowserDriver& driver, Ms timeout, const std::filesystem::path& artifacts,
                          const std::string& prefix, const std::function<std::string()>& context);

}  // namespace bvtest
