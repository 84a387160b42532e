// bvlive apikey create|list|revoke: keys of the HTTP API (bvlive(1), API KEYS).
#include "cli_error.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"

#include <iostream>
#include <memory>
#include <string>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct CreateArgs {
  std::string name;
  std::string scope;
};

int run_create(const Context& ctx, const CreateArgs& a) {
  json result = ctx.call("apikey.create", {{"name", a.name}, {"scope", a.scope}});
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json key = result.value("apikey", json::object());
  if (ctx.options.quiet) {
    std::cout << field_text(key, "key") << '\n';
    return kExitOk;
  }
  KeyValues kv;
  kv.add("name", field_text(key, "name"));
  kv.add("scope", field_text(key, "scope"));
  kv.add("key", field_text(key, "key"));
  kv.print(std::cout);
  std::cerr << "note: the key is shown only now; bvlived keeps only its hash. Send it as "
               "'Authorization: Bearer KEY'.\n";
  return kExitOk;
}

int run_list(const Context& ctx) {
  json result = ctx.call("apikey.list", json::object());
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  Table t({"NAME", "SCOPE", "PREFIX", "CREATED", "LAST USED", "REVOKED"});
  for (const auto& k : result.value("apikeys", json::array())) {
    if (ctx.options.quiet) {
      std::cout << field_text(k, "name") << '\n';
      continue;
    }
    t.add_row({field_text(k, "name"), field_text(k, "scope"), field_text(k, "prefix"), time_field(k, "created_at"),
               time_field(k, "last_used_at"), time_field(k, "revoked_at")});
  }
  if (!ctx.options.quiet) {
    if (t.empty()) std::cout << "no API keys; make one with bvlive apikey create --name NAME --scope read|write|admin\n";
    else t.print(std::cout);
  }
  return kExitOk;
}

int run_revoke(const Context& ctx, const std::string& name) {
  json result = ctx.call("apikey.revoke", {{"name", name}});
  if (ctx.options.json) print_json(result);
  else if (!ctx.options.quiet)
    std::cout << "API key " << name
              << (result.value("already_revoked", false) ? " was already revoked at " : " revoked at ")
              << time_field(result.value("revoked", json::object()), "revoked_at") << '\n';
  return kExitOk;
}

}  // namespace

void register_apikey(CLI::App& app, Context& ctx) {
  CLI::App* apikey = app.add_subcommand("apikey", "keys of the HTTP API (/bv/cms/v1/...)");
  add_global_options(*apikey, ctx.options);
  apikey->require_subcommand(1);
  {
    auto args = std::make_shared<CreateArgs>();
    CLI::App* sub = apikey->add_subcommand("create", "make a key and print it, once");
    add_global_options(*sub, ctx.options);
    sub->add_option("--name", args->name, "what to call it: 1 to 64 characters of A-Z a-z 0-9 . _ -")->required();
    sub->add_option("--scope", args->scope, "read (GET only), write (read and change lives, library, tokens) or "
                                            "admin (write and API keys)")
        ->required()
        ->check(CLI::IsMember({"read", "write", "admin"}, CLI::ignore_case));
    set_footer(*sub,
               "The key is printed only now: bvlived stores a SHA-256 of it. Every change made with it is\n"
               "in bvlive events with its name. Names are never reused. With -q, prints only the key.");
    on_run(*sub, ctx, [&ctx, args] { return run_create(ctx, *args); });
  }
  {
    CLI::App* sub = apikey->add_subcommand("list", "the keys: name, scope, prefix, created, last used, revoked");
    add_global_options(*sub, ctx.options);
    set_footer(*sub, "LAST USED is recorded at most once a minute per key. With -q, prints only the names.");
    on_run(*sub, ctx, [&ctx] { return run_list(ctx); });
  }
  {
    auto name = std::make_shared<std::string>();
    CLI::App* sub = apikey->add_subcommand("revoke", "refuse a key from now on");
    add_global_options(*sub, ctx.options);
    sub->add_option("NAME", *name, "the key's name")->required();
    set_footer(*sub, "The next request with the key is answered 401. Revoking twice changes nothing.");
    on_run(*sub, ctx, [&ctx, name] { return run_revoke(ctx, *name); });
  }
}

}  // namespace bvlive::cli
