// The HTTP API (/bv/cms/v1/...) against a real bvlived: the API document's create body,
// every route, refused transitions, API keys and their scopes, rate limits, uploads, and
// what a kill -9 right after an acknowledged create keeps.
#define BOOST_TEST_MODULE api
#include <boost/test/unit_test.hpp>

#include <dirent.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/api/api_routes.hpp"
#include "support/checks.hpp"
#include "support/http_client.hpp"
#include "support/lives.hpp"
#include "support/media.hpp"
#include "support/media_files.hpp"
#include "support/process.hpp"

using namespace bvtest;
using nlohmann::json;

namespace {

const std::string kSeed = std::string(BVLIVE_TEST_DATA) + "/seed_create_body.json";
const std::string kBase = "/bv/cms/v1";

struct ApiFixture {
  explicit ApiFixture(const std::string& config = "") : daemon(start_daemon(dir, config)) {
    admin = make_key("admin", "admin");
    writer = make_key("writer", "write");
    reader = make_key("reader", "read");
  }
  TempDir dir{"bvlive-api"};
  std::unique_ptr<DaemonProcess> daemon;
  Cli cli{daemon->socket()};
  int port = ports_of(cli).api;
  std::string admin, writer, reader;

  std::string make_key(const std::string& name, const std::string& scope) {
    const RunResult r = cli.run({"-q", "apikey", "create", "--name", name, "--scope", scope});
    REQUIRE_EXIT(r, 0);
    const std::string key = first_line(r.out);
    BOOST_TEST_REQUIRE(key.rfind("bvk_", 0) == 0u, r.describe());
    return key;
  }

  HttpResponse call(const std::string& key, const std::string& method, const std::string& path,
                    const std::string& body = "", HttpHeaders headers = {}) {
    HttpRequest req;
    req.method = method;
    req.target = kBase + path;
    req.body = body;
    req.headers = std::move(headers);
    if (!key.empty()) req.headers.emplace_back("Authorization", "Bearer " + key);
    if (!body.empty() && !has("content-type", req.headers)) req.headers.emplace_back("Content-Type", "application/json");
    return http_exchange(port, req);
  }
  static bool has(const std::string& name, const HttpHeaders& hs) {
    for (const auto& [k, v] : hs)
      if (lower(k) == name) return true;
    return false;
  }
  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // A live made over HTTP with a writer key; returns its id.
  std::string create(const json& live) {
    const auto r = call(writer, "POST", "/lives", json{{"live", live}}.dump());
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    return r.json()["live"]["id"].get<std::string>();
  }
  std::string upload_image() {
    const std::string png = dir / "image.png";
    make_test_image(png);
    const auto r = call(writer, "POST", "/library?filename=logo.png&name=Logo", read_file(png),
                        {{"Content-Type", "image/png"}});
    BOOST_TEST_REQUIRE(r.status == 200, r.describe());
    return r.json()["item"]["id"].get<std::string>();
  }
  std::vector<std::string> leftover_uploads() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir((daemon->state_dir() + "/media/library").c_str())) {
      while (const dirent* e = ::readdir(d))
        if (std::string(e->d_name).rfind(".upload-", 0) == 0) out.push_back(e->d_name);
      ::closedir(d);
    }
    return out;
  }
};

// The one error shape: {"error": {"code", "message", "details"}} with the status.
void check_error(const HttpResponse& r, int status, const std::string& code) {
  BOOST_TEST(r.status == status, r.describe());
  BOOST_TEST(r.header("content-type") == "application/json", r.describe());
  json body;
  BOOST_REQUIRE_NO_THROW(body = r.json());
  BOOST_TEST(body["error"]["code"] == code, r.describe());
  BOOST_TEST(body["error"]["message"].is_string());
  BOOST_TEST(!body["error"]["message"].get<std::string>().empty());
  BOOST_TEST(body["error"]["details"].is_object(), r.describe());
}

// A path for a route's pattern, with the ids given.
std::string concrete(std::string_view pattern, const std::string& id) {
  std::string p(pattern);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"{id}", id}, {"{message:int}", "1"}, {"{poll:int}", "1"}, {"{name}", "writer"}})
    if (auto at = p.find(from); at != std::string::npos) p.replace(at, from.size(), to);
  return p;
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(the_documents_create_body_over_http, ApiFixture) {
  // The API document's example body, its placeholder watermark replaced by a real library
  // image uploaded through the API.
  std::string seed = read_file(kSeed);
  auto refused = call(writer, "POST", "/lives", seed);
  check_error(refused, 400, "invalid_params");
  BOOST_TEST(refused.json()["error"]["details"]["path"] == "live.security.watermark.image.library_id", refused.describe());

  const std::string image = upload_image();
  const std::string placeholder = "\"image\":{ \"library_id\":\"string\" }";
  BOOST_TEST_REQUIRE(contains(seed, placeholder));
  seed.replace(seed.find(placeholder), placeholder.size(), "\"image\":{ \"library_id\":\"" + image + "\" }");
  const auto created = call(writer, "POST", "/lives", seed);
  BOOST_TEST_REQUIRE(created.status == 200, created.describe());
  const json live = created.json()["live"];
  BOOST_TEST(live["state"] == "WAIT_FOR_PREVIEW");
  BOOST_TEST(live["custom_id"] == "string");
  BOOST_TEST(live["security"]["watermark"]["image"]["library_id"] == image);
  BOOST_TEST(live["urls"]["playback"].get<std::string>().find("/live/" + live["id"].get<std::string>() + "/") != std::string::npos);
  BOOST_TEST(created.json()["transitions"].size() == 2u, created.describe());

  // GET by id and by custom_id answer the same live; the CLI sees it too.
  const auto by_id = call(reader, "GET", "/lives/" + live["id"].get<std::string>());
  const auto by_custom = call(reader, "GET", "/lives/string");
  BOOST_TEST(by_id.status == 200);
  BOOST_TEST(by_id.json()["live"] == by_custom.json()["live"]);
  BOOST_TEST(state_of(cli, "string") == "WAIT_FOR_PREVIEW");
  // The creation is the writer key's, in the history and in `bvlive events`.
  const json events = events_of(cli, "string");
  BOOST_TEST(events[0]["api_key"] == "writer", events.dump());
  BOOST_TEST(contains(cli.run({"events", "string"}).out, "key:writer"));
}

BOOST_FIXTURE_TEST_CASE(lifecycle_and_refused_transitions, ApiFixture) {
  const std::string id = create({{"name", "Show"}, {"custom_id", "show"}});
  // A refused transition: 409 naming the state and where the op is allowed from; nothing changes.
  const std::string before = list_json_text(cli);
  const auto refused = call(writer, "POST", "/lives/show:start");
  check_error(refused, 409, "conflict");
  BOOST_TEST(refused.json()["error"]["details"]["state"] == "WAIT_FOR_PREVIEW");
  BOOST_TEST(refused.json()["error"]["details"]["allowed_from"] == json::array({"PREVIEW"}));
  BOOST_TEST(list_json_text(cli) == before);

  for (const auto& [op, state] : std::vector<std::pair<std::string, std::string>>{
           {"preview", "PREVIEW"}, {"start", "LIVE"}, {"end", "LIVE_END"}, {"close", "CLOSED"},
           {"reopen", "WAIT_FOR_PREVIEW"}, {"cancel", "CLOSED"}, {"archive", "ARCHIVED"}}) {
    const auto r = call(writer, "POST", "/lives/" + id + ":" + op);
    BOOST_TEST_REQUIRE(r.status == 200, op << r.describe());
    BOOST_TEST(r.json()["live"]["state"] == state, op << r.describe());
    BOOST_TEST(state_of(cli, id) == state, "after " << op);
  }
  // ARCHIVED is read-only; then the live can be deleted, and is gone.
  check_error(call(writer, "PATCH", "/lives/show", R"({"live":{"name":"x"}})"), 409, "conflict");
  const auto deleted = call(writer, "DELETE", "/lives/show");
  BOOST_TEST(deleted.status == 200, deleted.describe());
  BOOST_TEST(deleted.json()["deleted"]["id"] == id);
  check_error(call(reader, "GET", "/lives/show"), 404, "not_found");
}

BOOST_FIXTURE_TEST_CASE(every_other_operation, ApiFixture) {
  const std::string id = create({{"name", "Ops"}, {"custom_id", "ops"}, {"interaction", {{"poll_enabled", true}, {"chatroom", {{"live", {{"enabled", true}, {"theme", "CHATROOM_THEME_DARK"}}}}}}}});
  auto ok = [&](const std::string& key, const std::string& method, const std::string& path, const std::string& body = "") {
    const auto r = call(key, method, path, body);
    BOOST_TEST(r.status == 200, method << " " << path << r.describe());
    return r.status == 200 ? r.json() : json();
  };
  // PATCH is an RFC 7396 merge patch of the create body.
  const json patched = ok(writer, "PATCH", "/lives/ops", R"({"live":{"name":"Renamed","metadata":{"short_description":"hi"}}})");
  BOOST_TEST(patched["live"]["name"] == "Renamed");
  BOOST_TEST(patched["changed"].dump().find("name") != std::string::npos);
  BOOST_TEST(live_of(cli, "ops")["metadata"]["short_description"] == "hi");
  check_error(call(writer, "PATCH", "/lives/ops", R"({"live":{"security":{"privacy":{"type":"nope"}}}})"), 400,
              "invalid_params");
  // Key rotation, tokens, events, sessions.
  const std::string old_key = live_of(cli, "ops")["stream_key"];
  BOOST_TEST(ok(writer, "POST", "/lives/ops:rotateStreamKey")["live"]["stream_key"] != old_key);
  const json token = ok(writer, "POST", "/lives/ops/tokens", R"({"ttl_ms": 60000, "device_limit": 2})");
  BOOST_TEST(token["token"]["device_limit"] == 2);
  BOOST_TEST(!token["token"]["token"].get<std::string>().empty());
  const json events = ok(reader, "GET", "/lives/ops/events?limit=2");
  BOOST_TEST(events["events"].size() == 2u);
  BOOST_TEST(events["events"].back()["api_key"] == "writer", events.dump());
  BOOST_TEST(ok(reader, "GET", "/lives/ops/sessions")["sessions"].empty());
  check_error(call(reader, "GET", "/lives/ops/vod"), 404, "not_found");
  check_error(call(writer, "POST", "/lives/ops/vod:retry"), 409, "conflict");
  // Chat and polls, as a back-end moderates them.
  ok(writer, "POST", "/lives/ops:preview");
  ok(writer, "POST", "/lives/ops:start");
  const json msg = ok(writer, "POST", "/lives/ops/chat", R"({"text":"welcome","name":"Host"})");
  BOOST_TEST(ok(reader, "GET", "/lives/ops/chat")["messages"].size() == 1u);
  ok(writer, "DELETE", "/lives/ops/chat/" + std::to_string(msg["message"]["id"].get<int>()));
  BOOST_TEST(ok(reader, "GET", "/lives/ops/chat")["messages"].empty());
  const json poll = ok(writer, "POST", "/lives/ops/polls", R"({"question":"Which?","options":["a","b"]})");
  ok(writer, "POST", "/lives/ops/polls/" + std::to_string(poll["poll"]["id"].get<int>()) + ":close");
  BOOST_TEST(ok(reader, "GET", "/lives/ops/polls")["polls"].size() == 1u);
  // Lists: filters and pages that cover every live once.
  for (int i = 0; i < 4; ++i) create({{"name", "L" + std::to_string(i)}});
  BOOST_TEST(ok(reader, "GET", "/lives?state=live")["lives"].size() == 1u);
  BOOST_TEST(ok(reader, "GET", "/lives?type=LIVE_TYPE_SIMULIVE")["lives"].empty());
  std::set<std::string> seen;
  std::string next;
  for (int page = 0; page < 10; ++page) {
    const json p = ok(reader, "GET", "/lives?page_size=2" + (next.empty() ? "" : "&page_token=" + next));
    BOOST_TEST(p["total_size"] == 5);
    for (const auto& l : p["lives"]) BOOST_TEST(seen.insert(l["id"].get<std::string>()).second, "listed twice");
    if (!p.contains("next_page_token")) break;
    next = p["next_page_token"];
  }
  BOOST_TEST(seen.size() == 5u);
  check_error(call(reader, "GET", "/lives?page_size=0"), 400, "invalid_params");
  check_error(call(reader, "GET", "/lives?page_token=garbage"), 400, "invalid_params");
  check_error(call(reader, "GET", "/lives?colour=red"), 400, "invalid_params");
  // Library, status.
  const std::string image = upload_image();
  BOOST_TEST(ok(reader, "GET", "/library")["items"].size() == 1u);
  BOOST_TEST(ok(reader, "GET", "/library/" + image)["item"]["name"] == "Logo");
  ok(writer, "DELETE", "/library/" + image);
  check_error(call(reader, "GET", "/library/" + image), 404, "not_found");
  BOOST_TEST(ok(reader, "GET", "/status")["lives_total"] == 5);
}

BOOST_FIXTURE_TEST_CASE(keys_and_scopes, ApiFixture) {
  const std::string id = create({{"name", "Guarded"}});
  // No key, a wrong key, a malformed header: 401 with a Bearer challenge.
  for (const auto& r : {call("", "GET", "/lives"), call("bvk_wrong", "GET", "/lives"),
                        call("", "GET", "/lives", "", {{"Authorization", "Basic dXNlcjpwYXNz"}})}) {
    check_error(r, 401, "unauthenticated");
    BOOST_TEST(r.header("www-authenticate").rfind("Bearer", 0) == 0u, r.describe());
  }
  // A read key changes nothing, through any route that changes something; a write key
  // cannot manage keys. The route table itself lists what needs which scope.
  const std::string before = list_json_text(cli);
  const json events_before = events_of(cli, id);
  int write_routes = 0, admin_routes = 0;
  for (const auto& route : bvlive::api::routes()) {
    if (route.scope == bvlive::api::Scope::Read) continue;
    const std::string path = concrete(route.pattern, id);
    const std::string body = route.body == bvlive::api::BodyUse::Json ? R"({"name":"x","scope":"read"})" : "";
    check_error(call(reader, std::string(route.method), path, body), 403, "permission_denied");
    if (route.scope == bvlive::api::Scope::Admin) {
      check_error(call(writer, std::string(route.method), path, body), 403, "permission_denied");
      ++admin_routes;
    } else {
      ++write_routes;
    }
  }
  BOOST_TEST(write_routes >= 15);
  BOOST_TEST(admin_routes == 3);
  BOOST_TEST(list_json_text(cli) == before, "a read key changed a live");
  BOOST_TEST(events_of(cli, id) == events_before);
  BOOST_TEST(leftover_uploads().empty());

  // Admin keys manage keys over HTTP too; names are never reused.
  const auto made = call(admin, "POST", "/apikeys", R"({"name":"ci","scope":"write"})");
  BOOST_TEST_REQUIRE(made.status == 200, made.describe());
  const std::string ci = made.json()["apikey"]["key"];
  check_error(call(admin, "POST", "/apikeys", R"({"name":"ci","scope":"read"})"), 409, "conflict");
  check_error(call(admin, "POST", "/apikeys", R"({"name":"bad name","scope":"read"})"), 400, "invalid_params");
  BOOST_TEST(call(ci, "POST", "/lives/" + id + ":cancel").status == 200);
  // Only a hash is stored: the key's text is nowhere in the database.
  const std::string db = read_file(daemon->state_dir() + "/bvlive.db") + read_file(daemon->state_dir() + "/bvlive.db-wal");
  BOOST_TEST(!contains(db, ci), "the key is stored in clear");
  // Revoked (by the CLI) means refused from the next request on.
  REQUIRE_EXIT(cli.run({"apikey", "revoke", "ci"}), 0);
  check_error(call(ci, "GET", "/lives"), 401, "unauthenticated");
  const json keys = call(admin, "GET", "/apikeys").json()["apikeys"];
  bool listed = false;
  for (const auto& k : keys)
    if (k["name"] == "ci") {
      listed = true;
      BOOST_TEST(k["revoked_at"].is_string());
      BOOST_TEST(k["last_used_at"].is_string());
      BOOST_TEST(!k.contains("key"));
    }
  BOOST_TEST(listed, keys.dump());
  const auto revoked = call(admin, "DELETE", "/apikeys/reader");
  BOOST_TEST(revoked.status == 200, revoked.describe());
  check_error(call(reader, "GET", "/lives"), 401, "unauthenticated");
}

BOOST_FIXTURE_TEST_CASE(errors_have_one_shape, ApiFixture) {
  create({{"name", "E"}, {"custom_id", "e"}});
  check_error(call(reader, "GET", "/nothing"), 404, "not_found");
  check_error(call(reader, "GET", "/lives/nope"), 404, "not_found");
  const auto wrong_method = call(writer, "PUT", "/lives/e", "{}");
  check_error(wrong_method, 405, "method_not_allowed");
  BOOST_TEST(contains(wrong_method.header("allow"), "PATCH"), wrong_method.describe());
  check_error(call(writer, "POST", "/lives", "{not json"), 400, "parse_error");
  check_error(call(writer, "POST", "/lives", "[1,2]"), 400, "invalid_params");
  check_error(call(writer, "POST", "/lives", "name=x", {{"Content-Type", "application/x-www-form-urlencoded"}}), 415,
              "unsupported_media_type");
  check_error(call(writer, "POST", "/lives/e:start", R"({"now":true})"), 400, "invalid_params");
  check_error(call(writer, "POST", "/lives", std::string(70, '[') + std::string(70, ']')), 400, "invalid_params");
  const auto missing_name = call(writer, "POST", "/lives", R"({"live":{"type":"LIVE_TYPE_LIVE"}})");
  check_error(missing_name, 400, "invalid_params");
  BOOST_TEST(missing_name.json()["error"]["details"]["path"] == "live.name", missing_name.describe());
  check_error(call(writer, "POST", "/lives", R"({"live":{"name":"dup","custom_id":"e"}})"), 409, "conflict");
  check_error(call(writer, "POST", "/lives", std::string(2 << 20, ' ')), 413, "payload_too_large");
  // The OpenAPI document is served without a key.
  const auto doc = http_get_at(port, kBase + "/openapi.json");
  BOOST_TEST(doc.status == 200, doc.describe());
  BOOST_TEST(doc.json()["openapi"].get<std::string>().rfind("3.1", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(concurrent_creates_with_one_custom_id_make_one_live) {
  ApiFixture f("[api]\nrate_limit = 10000\nrate_burst = 10000\n");
  std::atomic<int> created{0}, conflicts{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i)
    threads.emplace_back([&, i] {
      try {
        HttpRequest req;
        req.method = "POST";
        req.target = kBase + "/lives";
        req.headers = {{"Authorization", "Bearer " + f.writer}, {"Content-Type", "application/json"}};
        req.body = json{{"live", {{"name", "race " + std::to_string(i)}, {"custom_id", "final"}}}}.dump();
        req.timeout = 30s;
        const auto r = http_exchange(f.port, req);
        (r.status == 200 ? created : r.status == 409 ? conflicts : other)++;
      } catch (const std::exception&) {
        other++;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(created == 1);
  BOOST_TEST(conflicts == 99);
  BOOST_TEST(other == 0);
  BOOST_TEST(f.cli.json({"list"})["lives"].size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(kill9_right_after_an_acknowledged_create_keeps_it, ApiFixture) {
  const std::string id = create({{"name", "Durable"}, {"custom_id", "durable"}});
  BOOST_TEST(call(writer, "POST", "/lives/durable:preview").status == 200);
  daemon->kill9();
  daemon->start();
  port = ports_of(cli).api;
  const auto r = call(reader, "GET", "/lives/durable");
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  BOOST_TEST(r.json()["live"]["id"] == id);
  BOOST_TEST(r.json()["live"]["state"] == "PREVIEW");
}

BOOST_AUTO_TEST_CASE(rate_limit_per_key) {
  ApiFixture f("[api]\nrate_limit = 0.5\nrate_burst = 3\n");
  for (int i = 0; i < 3; ++i) BOOST_TEST(f.call(f.reader, "GET", "/lives").status == 200);
  const auto limited = f.call(f.reader, "GET", "/lives");
  check_error(limited, 429, "rate_limited");
  BOOST_TEST(std::stoi(limited.header("retry-after")) >= 1, limited.describe());
  // Another key has its own budget.
  BOOST_TEST(f.call(f.writer, "GET", "/lives").status == 200);
}

BOOST_AUTO_TEST_CASE(uploads_are_streamed_bounded_and_checked) {
  ApiFixture f("[api]\nmax_upload_bytes = 200000\n");
  const std::string clip = f.dir / "clip.mp4";
  make_test_video(clip, 1, "160x120");
  const std::string bytes = read_file(clip);
  BOOST_TEST_REQUIRE(bytes.size() < 200000u);
  // Chunked, as a client streaming a file sends it, with Expect: 100-continue.
  std::string chunked;
  for (std::size_t at = 0; at < bytes.size(); at += 7000) {
    const std::string piece = bytes.substr(at, 7000);
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    chunked += std::string(size) + "\r\n" + piece + "\r\n";
  }
  chunked += "0\r\n\r\n";
  const auto r = f.call(f.writer, "POST", "/library?filename=clip.mp4", chunked,
                        {{"Content-Type", "video/mp4"}, {"Transfer-Encoding", "chunked"}});
  BOOST_TEST_REQUIRE(r.status == 200, r.describe());
  const json item = r.json()["item"];
  BOOST_TEST(item["kind"] == "video");
  BOOST_TEST(item["name"] == "clip.mp4");
  BOOST_TEST(read_file(item["file"].get<std::string>()) == bytes, "the stored file differs from the upload");
  BOOST_TEST(f.cli.json({"library", "list"})["items"].size() == 1u);

  // Too large (announced, or found out while streaming), not media, empty, or without a
  // key: refused, with nothing left on disk.
  check_error(f.call(f.writer, "POST", "/library?filename=big.mp4", std::string(300000, 'x'),
                     {{"Content-Type", "application/octet-stream"}}),
              413, "payload_too_large");
  const std::string big_chunk = std::string("3d090\r\n") + std::string(250000, 'x') + "\r\n0\r\n\r\n";
  const auto streamed_big = f.call(f.writer, "POST", "/library?filename=big.mp4", big_chunk,
                                   {{"Content-Type", "application/octet-stream"}, {"Transfer-Encoding", "chunked"}});
  BOOST_TEST(streamed_big.status == 413, streamed_big.describe());
  const auto junk = f.call(f.writer, "POST", "/library?filename=junk.mp4", std::string(5000, 'j'),
                           {{"Content-Type", "video/mp4"}});
  check_error(junk, 400, "invalid_params");
  BOOST_TEST(junk.json()["error"]["details"]["path"] == "body");
  BOOST_TEST(!contains(junk.body, ".upload-"), "the refusal shows a temporary path: " << junk.body);
  check_error(f.call(f.writer, "POST", "/library?filename=empty.mp4", "", {{"Content-Type", "video/mp4"}}), 400,
              "invalid_params");
  check_error(f.call("", "POST", "/library?filename=anon.mp4", bytes, {{"Content-Type", "video/mp4"}}), 401,
              "unauthenticated");
  check_error(f.call(f.reader, "POST", "/library?filename=r.mp4", bytes, {{"Content-Type", "video/mp4"}}), 403,
              "permission_denied");
  BOOST_TEST(f.cli.json({"library", "list"})["items"].size() == 1u);
  BOOST_TEST(f.leftover_uploads().empty(), "temporary upload files left behind");
}

BOOST_AUTO_TEST_CASE(a_remote_listen_address_needs_an_explicit_choice) {
  TempDir dir{"bvlive-api-config"};
  const std::string config = dir / "bvlived.toml";
  write_file(config, "[api]\nlisten = \"0.0.0.0\"\n");
  RunResult r = run({BVLIVED_BIN, "--config", config, "--check-config"});
  BOOST_TEST(r.code == 78, r.describe());
  BOOST_TEST(contains(r.err, "api.listen"), r.describe());
  BOOST_TEST(contains(r.err, "insecure_remote"), r.describe());
  write_file(config, "[api]\nlisten = \"0.0.0.0\"\ninsecure_remote = true\n");
  r = run({BVLIVED_BIN, "--config", config, "--check-config"});
  BOOST_TEST(r.code == 0, r.describe());
}
