// bvlive token, bvlive rotate-secret: playback tokens of token-protected lives.
#include "cli_error.hpp"
#include "commands.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "util/time.hpp"

#include <iostream>
#include <memory>
#include <string>

namespace bvlive::cli {
namespace {

using nlohmann::json;

struct TokenArgs {
  std::string id;
  std::string ttl = "2h";
  int device_limit = 0;
};

int run_token(const Context& ctx, const TokenArgs& a) {
  const auto ttl = parse_duration(a.ttl);
  if (!ttl || *ttl <= 0)
    throw CliError(kExitUsage, "--ttl: '" + a.ttl + "' is not a duration longer than 0; use e.g. 90m, 2h or 7d");
  json params = {{"id", a.id}, {"ttl_ms", *ttl}};
  if (a.device_limit > 0) params["device_limit"] = a.device_limit;
  json result = ctx.call("live.token", params);
  if (ctx.options.json) {
    print_json(result);
    return kExitOk;
  }
  const json token = result.is_object() ? result.value("token", json::object()) : json::object();
  if (ctx.options.quiet) {
    std::cout << field_text(token, "token") << '\n';
    return kExitOk;
  }
  KeyValues kv;
  kv.add("live", field_text(token, "live_id"));
  kv.add("token", field_text(token, "token"));
  kv.add("expires_at", time_field(token, "expires_at"));
  kv.add("device_limit", token.value("device_limit", 0) > 0 ? field_text(token, "device_limit") : "none");
  kv.add("playback_url", field_text(token, "playback_url"));
  kv.print(std::cout);
  if (const std::string note = field_text(token, "note"); note != "-") std::cerr << "note: " << note << '\n';
  return kExitOk;
}

int run_rotate_secret(const Context& ctx) {
  json result = ctx.call("secret.rotate", json::object());
  if (ctx.options.json) print_json(result);
  else if (!ctx.options.quiet)
    std::cout << "playback secret rotated: every token issued before is refused from now on\n";
  return kExitOk;
}

}  // namespace

void register_security(CLI::App& app, Context& ctx) {
  {
    auto args = std::make_shared<TokenArgs>();
    CLI::App* sub = app.add_subcommand("token", "issue a signed playback token for a token-protected live");
    add_global_options(*sub, ctx.options);
    add_id_argument(*sub, args->id);
    sub->add_option("--ttl", args->ttl, "how long the token is valid (default 2h)")->option_text("DURATION");
    sub->add_option("--device-limit", args->device_limit,
                    "at most N devices at once with this token (the live's device_limit, if lower, wins)")
        ->option_text("N")
        ->check(CLI::Range(1, 100000));
    set_footer(*sub,
               "Players use the live's playback URL with ?token=TOKEN; the playlists carry it on.\n"
               "A live checks tokens when security.privacy.type is SECURITY_PRIVACY_TYPE_TOKEN.\n"
               "With -q, prints only the token.");
    on_run(*sub, ctx, [&ctx, args] { return run_token(ctx, *args); });
  }
  {
    CLI::App* sub = app.add_subcommand("rotate-secret", "replace the key that signs playback tokens");
    add_global_options(*sub, ctx.options);
    set_footer(*sub, "Every token issued before is refused at once; issue new ones with bvlive token.");
    on_run(*sub, ctx, [&ctx] { return run_rotate_secret(ctx); });
  }
}

}  // namespace bvlive::cli
