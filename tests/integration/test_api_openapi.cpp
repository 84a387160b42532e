// The HTTP API against its OpenAPI document (share/openapi/bvlive-api.json):
// tests/api/check_openapi.mjs validates the document (OpenAPI 3.1), checks that the daemon
// serves it at /bv/cms/v1/openapi.json, and runs every operation's examples and error cases
// against a fresh bvlived, checking each answer's status and body against the document
// (Ajv, JSON Schema 2020-12). The npm packages it needs are installed by the build
// (cmake/api_validator.cmake).
#define BOOST_TEST_MODULE api_openapi
#include <boost/test/unit_test.hpp>

#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr const char* kMaxUploadBytes = "4194304";  // more than the video

// The lines of the script's output that say what failed, and its closing lines.
std::string failures_of(const std::string& out) {
  std::istringstream lines(out);
  std::string picked;
  bool in_failure = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("FAIL ")) in_failure = true;
    else if (!line.starts_with("       ")) in_failure = false;
    if (in_failure || line.starts_with("operations:") || line.find(" passed, ") != std::string::npos)
      picked += line + "\n";
  }
  return picked;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_operation_answers_as_documented) {
  TempDir dir{"bvlive-api"};
  // A small upload limit, so that the 413 of POST /library is checked too.
  auto daemon = start_daemon(dir, std::string("[api]\nmax_upload_bytes = ") + kMaxUploadBytes + "\n");
  Cli cli{daemon->socket()};

  const json created = cli.json({"apikey", "create", "--name", "openapi", "--scope", "admin"});
  BOOST_TEST_REQUIRE(created["apikey"]["key"].is_string(), created.dump(2));
  const std::string key = created["apikey"]["key"].get<std::string>();
  const json status = cli.json({"status"});
  BOOST_TEST_REQUIRE(status["listeners"]["api"].is_number_integer(), "no listeners.api in bvlive status:\n" << status.dump(2));
  const std::string base = "http://127.0.0.1:" + std::to_string(status["listeners"]["api"].get<int>());

  make_test_image(dir / "logo.png");
  make_test_video(dir / "clip.mp4", 6, "320x240");  // played as a simulive: a session to check
  RunOptions options;
  options.timeout = 240s;
  options.env["NODE_PATH"] = std::string(BVLIVE_API_VALIDATOR_DIR) + "/node_modules";
  options.env["BVLIVE_API_VALIDATOR_DIR"] = BVLIVE_API_VALIDATOR_DIR;
  const RunResult r = run({"node", std::string(BVLIVE_API_TESTS_DIR) + "/check_openapi.mjs", BVLIVE_OPENAPI_DOC, base, key,
                           dir / "logo.png", "--max-upload-bytes", kMaxUploadBytes, "--video", dir / "clip.mp4"},
                          options);
  if (r.code != 0) {
    // All of it, for the log of the run; the failures in the assertion.
    std::cout << "=== check_openapi.mjs output\n" << r.out << r.err << "=== daemon log\n" << daemon->log() << std::endl;
  }
  BOOST_TEST(r.code == 0, "check_openapi.mjs exited " << r.code << (r.timed_out ? " (timed out)" : "") << ":\n"
                                                     << failures_of(r.out) << r.err);
  if (r.code == 0) {  // and it did run its checks
    BOOST_TEST(r.out.find(" passed, 0 failed") != std::string::npos, r.describe());
    BOOST_TEST_MESSAGE(failures_of(r.out));  // "operations: 33; exercised: 33 ..." and "N passed, 0 failed"
  }
}
