// The control socket under bad clients, against a real bvlived: every bad request gets
// the right JSON-RPC error (core/rpc/README.md) and never disturbs anyone else.
#define BOOST_TEST_MODULE control_robustness
#include <boost/test/unit_test.hpp>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/checks.hpp"
#include "support/lives.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxRequestBytes = 1 << 20;  // daemon.max_request_bytes default

struct Fixture {
  TempDir dir;
  DaemonProcess daemon{dir.path()};
  Cli cli{daemon.socket()};
  RpcClient a;  // the misbehaving client
  RpcClient b;  // a well-behaved client on a second connection, open the whole time
  int b_calls = 0;
  std::string live_id;

  Fixture() {
    daemon.start();
    RunResult r = cli.run({"-q", "create", "--name", "Robust", "--custom-id", "robust"});
    BOOST_TEST_REQUIRE(r.code == 0, r.describe());
    live_id = r.out.substr(0, r.out.find('\n'));
    a.connect(daemon.socket());
    b.connect(daemon.socket());
  }
  ~Fixture() {
    a.close();
    b.close();
    if (daemon.running()) {
      const int rc = daemon.stop();
      BOOST_CHECK_MESSAGE(rc == 0, "bvlived exited with " << rc << " on SIGTERM; log:\n" << daemon.log());
    }
  }

  // B asks for the list and must get it, with its own id echoed.
  void b_is_served(const std::string& after) {
    const int id = 1000 + ++b_calls;
    json reply;
    try {
      reply = b.call("live.list", json::object(), id, 10s);
    } catch (const std::exception& e) {
      BOOST_FAIL("client B got no answer after " << after << ": " << e.what() << "\nlog:\n" << daemon.log());
    }
    BOOST_TEST(reply["id"] == id, after << ": " << reply.dump());
    BOOST_TEST_REQUIRE(reply.contains("result"), "client B was refused after " << after << ": " << reply.dump());
    BOOST_TEST(reply["result"]["lives"].size() == 1u, reply.dump());
  }

  // A sends `bytes` and gets one error line with this code, kind and id.
  json a_gets_error(const std::string& what, const std::string& bytes, int code, const std::string& kind,
                    const json& id) {
    BOOST_TEST_REQUIRE(a.send(bytes), what << ": cannot send");
    auto line = a.read_line(10s);
    BOOST_TEST_REQUIRE(line.has_value(), what << ": no answer" << (a.eof() ? " (connection closed)" : " (timeout)")
                                              << "\nlog:\n" << daemon.log());
    json reply = json::parse(*line, nullptr, false);
    BOOST_TEST_REQUIRE(!reply.is_discarded(), what << ": the answer is not JSON: " << *line);
    BOOST_TEST(reply["jsonrpc"] == "2.0", what << ": " << reply.dump());
    BOOST_TEST(reply["id"] == id, what << ": " << reply.dump());
    BOOST_TEST(!reply.contains("result"), what << ": " << reply.dump());
    BOOST_TEST_REQUIRE(reply["error"].is_object(), what << ": " << reply.dump());
    BOOST_TEST(reply["error"]["code"] == code, what << ": " << reply.dump());
    BOOST_TEST(reply["error"]["data"]["kind"] == kind, what << ": " << reply.dump());
    BOOST_TEST(reply["error"]["message"].is_string(), what << ": " << reply.dump());
    BOOST_TEST(!reply["error"]["message"].get<std::string>().empty(), what << ": " << reply.dump());
    b_is_served(what);
    return reply;
  }

  void cli_still_works() {
    RunResult r = cli.run({"list"});
    BOOST_TEST(r.code == 0, r.describe());
    BOOST_TEST(contains(r.out, "robust"), r.describe());
    r = cli.run({"status"});
    BOOST_TEST(r.code == 0, r.describe());
    BOOST_TEST(daemon.running(), "bvlived died; log:\n" << daemon.log());
  }
};

std::string request(const json& id, const std::string& method, const json& params = json::object()) {
  return json({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}).dump() + "\n";
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(bad_requests_get_the_right_errors_and_b_keeps_being_served, Fixture) {
  b_is_served("connecting");

  // Malformed JSON.
  a_gets_error("truncated JSON", R"({"jsonrpc": "2.0", "id": 1, "method": "live.list")" "\n", -32700, "parse_error",
               nullptr);
  a_gets_error("plain text", "hello bvlived\n", -32700, "parse_error", nullptr);
  a_gets_error("invalid UTF-8", "\xff\xfe\x80\n", -32700, "parse_error", nullptr);

  // A 2 MiB line (the limit is 1 MiB); B is served while A is in the middle of it.
  {
    const std::string pad(2 * kMaxRequestBytes, 'x');
    const std::string big = request(5, "live.list", {{"pad", pad}});
    BOOST_TEST_REQUIRE(a.send(big.substr(0, big.size() / 2)));
    b_is_served("half of A's 2 MiB line");
    json reply = a_gets_error("2 MiB line", big.substr(big.size() / 2), -32600, "invalid_request", nullptr);
    BOOST_TEST(reply["error"]["data"]["max_request_bytes"] == kMaxRequestBytes, reply.dump());
    // The rest of the long line was skipped: A's connection is usable.
    json ok = a.call("live.list", json::object(), 6);
    BOOST_TEST(ok["id"] == 6, ok.dump());
    BOOST_TEST(ok.contains("result"), "A's next request after the long line: " << ok.dump());
  }
  // Just under the limit is fine.
  {
    std::string near = request(8, "live.list", {{"pad", ""}});
    const std::size_t room = kMaxRequestBytes - (near.size() - 1) - 16;
    near = request(8, "live.list", {{"pad", std::string(room, 'y')}});
    BOOST_TEST_REQUIRE(near.size() - 1 <= kMaxRequestBytes);
    BOOST_TEST_REQUIRE(a.send(near));
    auto line = a.read_line(10s);
    BOOST_TEST_REQUIRE(line.has_value());
    json reply = json::parse(*line, nullptr, false);
    BOOST_TEST(reply["id"] == 8, *line);
    // list ignores unknown params today; either way it must not be refused as too long.
    BOOST_TEST(!(reply.contains("error") && reply["error"]["code"] == -32600), "a 1 MiB - 16 B line was refused: " << *line);
    b_is_served("a line just under the limit");
  }

  // Unknown method: id echoed, the method named.
  json reply = a_gets_error("unknown method", request("m-1", "live.frobnicate"), -32601, "method_not_found", "m-1");
  BOOST_TEST(contains(reply["error"]["message"].get<std::string>(), "live.frobnicate"), reply.dump());

  // Bad params: the field path in data.path.
  reply = a_gets_error("live.get without id", request(11, "live.get"), -32602, "invalid_params", 11);
  BOOST_TEST(reply["error"]["data"]["path"] == "id", reply.dump());
  reply = a_gets_error("live.create with a playback live",
                       request(12, "live.create", {{"live", {{"name", "x"}, {"broadcast_mode", "playback"}}}}), -32602,
                       "invalid_params", 12);
  BOOST_TEST(reply["error"]["data"]["path"] == "live.broadcast_mode", reply.dump());
  reply = a_gets_error("live.create with an unknown field",
                       request(13, "live.create", {{"live", {{"name", "x"}, {"colour", "blue"}}}}), -32602,
                       "invalid_params", 13);
  BOOST_TEST(reply["error"]["data"]["path"] == "live.colour", reply.dump());

  // Batches are not supported.
  a_gets_error("batch", "[" + request(21, "live.list").substr(0, request(21, "live.list").size() - 1) + "]\n", -32600,
               "invalid_request", nullptr);
  a_gets_error("empty batch", "[]\n", -32600, "invalid_request", nullptr);

  // Not JSON-RPC 2.0 request objects.
  a_gets_error("no jsonrpc member", R"({"id": 31, "method": "live.list"})" "\n", -32600, "invalid_request", 31);
  a_gets_error("params not an object", R"({"jsonrpc": "2.0", "id": 32, "method": "live.list", "params": [1]})" "\n",
               -32600, "invalid_request", 32);
  a_gets_error("method not a string", R"({"jsonrpc": "2.0", "id": 33, "method": 7})" "\n", -32600, "invalid_request",
               33);
  a_gets_error("a bare string", "\"live.list\"\n", -32600, "invalid_request", nullptr);

  // Domain errors.
  a_gets_error("unknown live", request(41, "live.get", {{"id", "ghost"}}), -32004, "not_found", 41);
  reply = a_gets_error("start before preview", request(42, "live.start", {{"id", "robust"}}), -32009, "conflict", 42);
  BOOST_TEST(reply["error"]["data"]["state"] == "WAIT_FOR_PREVIEW", reply.dump());
  BOOST_TEST(reply["error"]["data"]["allowed_from"] == json::array({"PREVIEW"}), reply.dump());

  // A notification (no id) is executed but never answered: the next line is for id 51.
  BOOST_TEST_REQUIRE(a.send(R"({"jsonrpc": "2.0", "method": "live.list"})" "\n" + request(51, "daemon.status")));
  auto line = a.read_line(10s);
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(json::parse(*line)["id"] == 51, *line);

  // Blank lines are ignored; CRLF endings accepted; several requests in one write are
  // answered in order; a request split into single bytes is put back together.
  BOOST_TEST_REQUIRE(a.send("\n  \n\r\n"));
  std::string crlf = request(52, "live.list");
  crlf.insert(crlf.size() - 1, "\r");
  BOOST_TEST_REQUIRE(a.send(crlf + request(53, "live.get", {{"id", "robust"}}) + request(54, "daemon.status")));
  for (int id : {52, 53, 54}) {
    line = a.read_line(10s);
    BOOST_TEST_REQUIRE(line.has_value(), "no answer for id " << id);
    json j = json::parse(*line);
    BOOST_TEST(j["id"] == id, *line);
    BOOST_TEST(j.contains("result"), *line);
  }
  for (char c : request(55, "live.get", {{"id", live_id}})) BOOST_TEST_REQUIRE(a.send(std::string(1, c)));
  line = a.read_line(10s);
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(json::parse(*line)["id"] == 55, *line);
  BOOST_TEST(json::parse(*line)["result"]["live"]["id"] == live_id, *line);

  // Nothing above changed the live.
  BOOST_TEST(state_of(cli, "robust") == "WAIT_FOR_PREVIEW");
  BOOST_TEST(cli.json({"list"})["lives"].size() == 1u, "a refused create created something");
  b_is_served("everything");
  cli_still_works();
}

BOOST_FIXTURE_TEST_CASE(clients_that_hang_up_mid_request_disturb_nobody, Fixture) {
  // Half a line, then gone.
  {
    RpcClient c(daemon.socket());
    BOOST_TEST_REQUIRE(c.send(R"({"jsonrpc": "2.0", "id": 1, "meth)"));
  }
  b_is_served("a client sent half a line and disconnected");
  // Half of a long line (over the limit, being discarded), then gone.
  {
    RpcClient c(daemon.socket());
    BOOST_TEST_REQUIRE(c.send(std::string(kMaxRequestBytes + 4096, 'z')));
  }
  b_is_served("a client sent 1 MiB without a newline and disconnected");
  // A full request, then gone before the answer is read.
  {
    RpcClient c(daemon.socket());
    BOOST_TEST_REQUIRE(c.send(request(1, "live.list") + request(2, "daemon.status") + request(3, "live.list")));
  }
  b_is_served("a client disconnected without reading its answers");
  // Connect and leave at once, many times.
  for (int i = 0; i < 50; ++i) RpcClient c(daemon.socket());
  b_is_served("50 connect/disconnect cycles");

  // A client in the middle of a line, still connected, does not block others; it is
  // answered once it finishes its line.
  RpcClient slow(daemon.socket());
  const std::string req = request(77, "live.get", {{"id", "robust"}});
  BOOST_TEST_REQUIRE(slow.send(req.substr(0, 20)));
  b_is_served("a client is idle in the middle of a line");
  cli_still_works();
  BOOST_TEST_REQUIRE(slow.send(req.substr(20)));
  auto line = slow.read_line(10s);
  BOOST_TEST_REQUIRE(line.has_value(), "the slow client got no answer");
  BOOST_TEST(json::parse(*line)["id"] == 77, *line);

  // Many idle connections at once.
  std::vector<std::unique_ptr<RpcClient>> idle;
  for (int i = 0; i < 100; ++i) idle.push_back(std::make_unique<RpcClient>(daemon.socket()));
  b_is_served("100 idle connections are open");
  cli_still_works();
  idle.clear();

  // A client that pipelines many requests before reading any answer gets them all, in order.
  RpcClient burst(daemon.socket());
  std::string many;
  for (int i = 0; i < 300; ++i) many += request(i, "live.get", {{"id", "robust"}});
  BOOST_TEST_REQUIRE(burst.send(many, 20s));
  for (int i = 0; i < 300; ++i) {
    auto l = burst.read_line(20s);
    BOOST_TEST_REQUIRE(l.has_value(), "answer " << i << " of 300 missing");
    BOOST_TEST_REQUIRE(json::parse(*l)["id"] == i, *l);
  }

  b_is_served("all of the above");
  cli_still_works();
  BOOST_TEST(state_of(cli, "robust") == "WAIT_FOR_PREVIEW");
}
