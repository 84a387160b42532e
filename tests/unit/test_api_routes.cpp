// The HTTP API's pure parts: the route table, its errors, API keys and the rate limiter.
#define BOOST_TEST_MODULE api_routes
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "core/api/api_error.hpp"
#include "core/api/api_key.hpp"
#include "core/api/api_key_registry.hpp"
#include "core/api/api_routes.hpp"
#include "core/api/rate_limiter.hpp"
#include "rpc/error.hpp"
#include "store/store.hpp"

using namespace bvlive;
using namespace bvlive::api;
using nlohmann::json;

namespace {

ApiCall matched(std::string_view method, std::string_view path, std::string_view query = "") {
  auto r = match_route(method, path, query);
  if (auto* e = std::get_if<ApiError>(&r)) BOOST_FAIL(std::string(method) + " " + std::string(path) + ": " + e->body().dump());
  return std::get<ApiCall>(r);
}

ApiError refused(std::string_view method, std::string_view path, std::string_view query = "") {
  auto r = match_route(method, path, query);
  BOOST_TEST_REQUIRE(std::holds_alternative<ApiError>(r), method << " " << path << " matched a route");
  return std::get<ApiError>(r);
}

struct TempDb {
  std::string path;
  TempDb() {
    char tmpl[] = "/tmp/bvlive-api-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDb() { std::filesystem::remove_all(path); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(the_documents_routes_call_the_cli_methods) {
  BOOST_TEST(matched("POST", "/bv/cms/v1/lives").route->action == "live.create");
  for (const std::string op : {"preview", "start", "cancel", "end", "archive", "close", "reopen"}) {
    const auto c = matched("POST", "/bv/cms/v1/lives/show-1:" + op);
    BOOST_TEST(c.route->action == "live." + op);
    BOOST_TEST(c.params == (json{{"id", "show-1"}}));
    BOOST_TEST((c.route->scope == Scope::Write));
  }
  BOOST_TEST(matched("GET", "/bv/cms/v1/lives/abc").route->action == "live.get");
  BOOST_TEST(matched("HEAD", "/bv/cms/v1/lives/abc").route->action == "live.get");
  BOOST_TEST(matched("PATCH", "/bv/cms/v1/lives/abc").route->action == "live.update");
  BOOST_TEST(matched("DELETE", "/bv/cms/v1/lives/abc").route->action == "live.delete");
  BOOST_TEST(matched("POST", "/bv/cms/v1/lives/abc/vod:retry").route->action == "vod.retry");
  const auto close = matched("POST", "/bv/cms/v1/lives/abc/polls/12:close");
  BOOST_TEST(close.route->action == "poll.close");
  BOOST_TEST(close.params == (json{{"id", "abc"}, {"poll", 12}}));
  BOOST_TEST(matched("DELETE", "/bv/cms/v1/lives/abc/chat/3").params["message"] == 3);
  BOOST_TEST(matched("GET", "/bv/cms/v1/openapi.json").route->authenticated == false);
  // Every route is a distinct method and pattern, and only the document goes without a key.
  std::set<std::string> seen;
  for (const auto& r : routes()) {
    BOOST_TEST(seen.insert(std::string(r.method) + " " + std::string(r.pattern)).second, r.pattern);
    BOOST_TEST(r.authenticated == (r.action != "openapi"));
    BOOST_TEST(((r.method == "GET") == (r.scope == Scope::Read) || r.scope == Scope::Admin), r.pattern);
  }
}

BOOST_AUTO_TEST_CASE(queries_are_typed_defaulted_and_checked) {
  const auto list = matched("GET", "/bv/cms/v1/lives", "state=live&page_token=a%2Eb");
  BOOST_TEST(list.params == (json{{"state", "live"}, {"page_token", "a.b"}, {"page_size", 50}}));
  BOOST_TEST(matched("GET", "/bv/cms/v1/lives", "page_size=7").params["page_size"] == 7);
  BOOST_TEST(matched("GET", "/bv/cms/v1/lives/x/events", "limit=5").params["limit"] == 5);
  auto bad_number = refused("GET", "/bv/cms/v1/lives", "page_size=ten");
  BOOST_TEST(bad_number.status == 400);
  BOOST_TEST(bad_number.details["path"] == "page_size");
  auto unknown = refused("GET", "/bv/cms/v1/lives/x", "verbose=1");
  BOOST_TEST(unknown.status == 400);
  BOOST_TEST(unknown.message.find("takes none") != std::string::npos);
  BOOST_TEST(refused("GET", "/bv/cms/v1/lives", "state=%zz").status == 400);
}

BOOST_AUTO_TEST_CASE(misses_are_404_405_or_400) {
  BOOST_TEST(refused("GET", "/bv/cms/v2/lives").status == 404);
  BOOST_TEST(refused("GET", "/bv/cms/v1x").status == 404);
  BOOST_TEST(refused("POST", "/bv/cms/v1/lives/x:explode").status == 404);
  BOOST_TEST(refused("GET", "/bv/cms/v1/lives/x/y/z").status == 404);
  BOOST_TEST(refused("POST", "/bv/cms/v1/lives/a:b:start").status == 404);  // ids hold no ":"
  const auto wrong = refused("PUT", "/bv/cms/v1/lives/x");
  BOOST_TEST(wrong.status == 405);
  BOOST_TEST(wrong.code == "method_not_allowed");
  BOOST_TEST_REQUIRE(wrong.headers.size() == 1u);
  BOOST_TEST(wrong.headers[0].second == "GET, PATCH, DELETE");
  const auto zero = refused("DELETE", "/bv/cms/v1/lives/x/chat/0");
  BOOST_TEST(zero.status == 400);
  BOOST_TEST(zero.details["path"] == "message");
}

BOOST_AUTO_TEST_CASE(bodies_join_the_params_and_the_path_wins) {
  auto call = matched("PATCH", "/bv/cms/v1/lives/mine");
  auto with = add_body(call, json{{"id", "other"}, {"live", {{"name", "n"}}}});
  BOOST_TEST_REQUIRE(std::holds_alternative<ApiCall>(with));
  BOOST_TEST(std::get<ApiCall>(with).params == (json{{"id", "mine"}, {"live", {{"name", "n"}}}}));
  BOOST_TEST(std::get<ApiError>(add_body(call, json::array())).status == 400);
  auto op = matched("POST", "/bv/cms/v1/lives/mine:start");
  BOOST_TEST(std::holds_alternative<ApiCall>(add_body(op, nullptr)));
  BOOST_TEST(std::holds_alternative<ApiCall>(add_body(op, json::object())));
  BOOST_TEST(std::get<ApiError>(add_body(op, json{{"at", 1}})).details["path"] == "body");
}

BOOST_AUTO_TEST_CASE(service_errors_keep_their_kind_and_details) {
  const RpcError conflict(ErrorKind::Conflict, "cannot start", {{"kind", "conflict"}, {"state", "LIVE"}});
  const auto e = from_rpc_error(conflict);
  BOOST_TEST(e.status == 409);
  BOOST_TEST(e.body() == (json{{"error", {{"code", "conflict"}, {"message", "cannot start"}, {"details", {{"state", "LIVE"}}}}}}));
  BOOST_TEST(from_rpc_error(RpcError(ErrorKind::InvalidParams, "x")).status == 400);
  BOOST_TEST(from_rpc_error(RpcError(ErrorKind::NotFound, "x")).status == 404);
  BOOST_TEST(from_rpc_error(RpcError(ErrorKind::Unavailable, "x")).status == 503);
  BOOST_TEST(from_rpc_error(RpcError(ErrorKind::Internal, "x")).status == 500);
}

BOOST_AUTO_TEST_CASE(keys_are_random_hashed_and_scoped) {
  const std::string a = new_api_key(), b = new_api_key();
  BOOST_TEST(a != b);
  BOOST_TEST(a.size() == 44u);
  BOOST_TEST(a.rfind("bvk_", 0) == 0u);
  BOOST_TEST(api_key_hash(a).size() == 64u);
  BOOST_TEST(api_key_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2 example
  BOOST_TEST(allows(Scope::Admin, Scope::Write));
  BOOST_TEST(allows(Scope::Write, Scope::Read));
  BOOST_TEST(!allows(Scope::Read, Scope::Write));
  BOOST_TEST(!allows(Scope::Write, Scope::Admin));
  BOOST_TEST((parse_scope("WRITE") == Scope::Write));
  BOOST_TEST(!parse_scope("root"));
  BOOST_TEST(!valid_api_key_name(""));
  BOOST_TEST(!valid_api_key_name("a b"));
  BOOST_TEST(valid_api_key_name("ci-backend_2.prod"));
}

BOOST_AUTO_TEST_CASE(the_registry_persists_revokes_and_never_keeps_a_key) {
  TempDb dir;
  const std::string db = dir.path + "/bvlive.db";
  std::string key;
  {
    Store store(db, false);
    ApiKeyRegistry keys(store.db());
    const json made = keys.create({{"name", "ci"}, {"scope", "write"}}, 1000);
    key = made["apikey"]["key"];
    BOOST_TEST(made["apikey"]["scope"] == "write");
    BOOST_TEST(made["apikey"]["prefix"] == key.substr(0, 10));
    BOOST_CHECK_THROW(keys.create({{"name", "ci"}, {"scope", "read"}}, 1001), RpcError);
    BOOST_CHECK_THROW(keys.create({{"name", "x"}, {"scope", "root"}}, 1001), RpcError);
    BOOST_TEST(keys.authenticate(key, 2000).key->name == "ci");
    BOOST_TEST(!keys.authenticate(key + "x", 2000).key);
    // Last use is written at most once a minute.
    keys.authenticate(key, 30000);
    BOOST_TEST(keys.list()["apikeys"][0]["last_used_at"] == format_rfc3339(2000));
    keys.authenticate(key, 62001);
    BOOST_TEST(keys.list()["apikeys"][0]["last_used_at"] == format_rfc3339(62001));
  }
  {
    Store store(db, false);
    ApiKeyRegistry keys(store.db());  // what the store kept
    BOOST_TEST(keys.authenticate(key, 70000).key != nullptr);
    auto rows = store.db().prepare("SELECT hash FROM api_keys");
    BOOST_TEST_REQUIRE(rows.step());
    BOOST_TEST(rows.text(0) == api_key_hash(key));
    const json revoked = keys.revoke({{"name", "ci"}}, 80000);
    BOOST_TEST(revoked["already_revoked"] == false);
    BOOST_TEST(revoked["revoked"]["revoked_at"] == format_rfc3339(80000));
    const auto check = keys.authenticate(key, 80001);
    BOOST_TEST(!check.key);
    BOOST_TEST(check.refusal.find("revoked") != std::string::npos);
    BOOST_TEST(keys.revoke({{"name", "ci"}}, 90000)["already_revoked"] == true);
    BOOST_CHECK_THROW(keys.revoke({{"name", "nobody"}}, 90000), RpcError);
  }
  {
    Store store(db, false);
    ApiKeyRegistry keys(store.db());
    BOOST_TEST(!keys.authenticate(key, 100000).key, "a revoked key came back after a restart");
  }
}

BOOST_AUTO_TEST_CASE(the_bucket_allows_bursts_then_the_rate) {
  TokenBucket bucket(2.0, 3, 0);
  BOOST_TEST(bucket.take(0));
  BOOST_TEST(bucket.take(0));
  BOOST_TEST(bucket.take(0));
  TimeMs retry = 0;
  BOOST_TEST(!bucket.take(0, &retry));
  BOOST_TEST(retry == 500);
  BOOST_TEST(!bucket.take(499));
  BOOST_TEST(bucket.take(500));
  BOOST_TEST(!bucket.take(-10000));  // a clock stepping back refills nothing
  BOOST_TEST(bucket.take(10000));    // refilled up to the burst, not beyond
  BOOST_TEST(bucket.take(10000));
  BOOST_TEST(bucket.take(10000));
  BOOST_TEST(!bucket.take(10000));
}
