#include "support/browser_driver.hpp"

#include <sstream>

#include <boost/test/unit_test.hpp>

#include "support/page_fixture.hpp"

namespace bvtest {

using nlohmann::json;

BrowserDriver::BrowserDriver(const TempDir& dir, const std::string& url, const std::string& scenario)
    : BrowserDriver(dir, url, scenario, "interactions.mjs") {}

BrowserDriver::BrowserDriver(const TempDir& dir, const std::string& url, const std::string& scenario,
                             const std::string& script)
    : out_(dir / ("driver-" + scenario)),
      process_({"env", std::string("NODE_PATH=") + BVLIVE_BROWSER_DRIVER_DIR + "/node_modules",
                std::string("BVLIVE_BROWSER_DRIVER_DIR=") + BVLIVE_BROWSER_DRIVER_DIR, "node",
                std::string(BVLIVE_BROWSER_TESTS_DIR) + "/" + script, url, out_, scenario},
               dir / ("driver-" + scenario + ".log")) {}

std::string BrowserDriver::wait_for_progress(const std::string& text, Ms timeout) {
  std::string found;
  poll_until(
      [&] {
        std::istringstream lines(log());
        for (std::string line; std::getline(lines, line);)
          if (line.starts_with("interactions: " + text)) {
            found = line;
            return true;
          }
        return !process_.running();
      },
      timeout, 100ms);
  return found;
}

std::pair<std::optional<int>, json> BrowserDriver::finish(Ms timeout) {
  const auto code = process_.wait(timeout);
  json result;
  std::istringstream lines(log());
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("{")) result = json::parse(line, nullptr, false);
  if (result.is_discarded()) result = nullptr;
  return {code, result};
}

void keep_screenshots(const json& result, const std::filesystem::path& artifacts, const std::string& prefix) {
  std::filesystem::create_directories(artifacts);
  for (const auto& shot : result.value("screenshots", json::array())) {
    const std::filesystem::path from = shot.get<std::string>();
    BOOST_TEST(std::filesystem::exists(from), "no screenshot at " << from);
    if (!std::filesystem::exists(from)) continue;
    const auto to = artifacts / (prefix + from.filename().string());
    std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
    BOOST_TEST_MESSAGE("screenshot: " << to.string());
  }
}

json run_to_end(BrowserDriver& driver, Ms timeout, const std::filesystem::path& artifacts, const std::string& prefix,
                const std::function<std::string()>& context) {
  const auto [code, result] = driver.finish(timeout);
  BOOST_TEST_REQUIRE(code.has_value(), "interactions.mjs did not finish in time:\n" << tail(driver.log()) << "\n"
                                                                                    << context());
  BOOST_TEST_REQUIRE(!result.is_null(), "interactions.mjs printed no JSON (exit " << *code << "):\n"
                                                                                   << tail(driver.log()) << "\n"
                                                                                   << context());
  keep_screenshots(result, artifacts, prefix);
  BOOST_TEST_REQUIRE(*code == 0, "interactions.mjs failed: " << result.value("failure", "?") << "\n"
                                                             << tail(driver.log()) << "\n"
                                                             << context());
  const json errors = result.value("page_errors", json::array()), dialogs = result.value("dialogs", json::array());
  BOOST_TEST(errors.empty(), "script errors on the page: " << errors.dump());
  BOOST_TEST(dialogs.empty(), "the page opened dialogs (script from a message?): " << dialogs.dump());
  return result;
}

}  // namespace bvtest
